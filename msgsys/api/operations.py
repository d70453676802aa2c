"""What each API view declares, bound at the view: the OpenAPI document is built from these declarations alone.

    @bp.post("/campaigns/<slug>/messages")
    @operation(responses={201: schemas.Message}, errors=(PermissionDenied, NotFound, ValidationError, Conflict), tag="messages")
    def create_message(slug: schemas.Slug, body: schemas.MessageCreate):
        '''Add a message to a campaign (authors).'''

- path parameters are the view's typed arguments (their pydantic types give the documented schema);
- a `body` argument names the request model: the decorator reads the body with it (strictly, as
  schemas.parse does) and passes the model in, so what is documented is what is read;
- the view returns a response model (or `(model, status)`); it must be the one declared for that status, else
  the view is broken and the request fails loudly, so the document cannot promise one shape and send another;
- `errors` are the domain errors (msgsys.errors) the view may answer with; the token check adds
  Unauthorized and Busy, a body adds the size limit's 413;
- the docstring's first paragraph is the summary, the rest the description.

Written here rather than taken from flask-openapi3, spectree or APIFlask (all looked at, at their 2026 releases):
each wants to own what this API already does its own way and promises to keep. flask-openapi3 and APIFlask
need their own Flask subclass in the app factory and answer bad input in their own error format (APIFlask also
brings marshmallow, webargs and apispec); spectree works with a plain Flask app but reads the body with
`get_json(silent=True)`, so a body that is not JSON would pass as `{}`, and it validates in pydantic's Python
mode, not strictly from JSON; it documents our `<id:...>` converter with no schema, serves its own UI pages,
and lists paths with the /api/v1 prefix. Each would need as much glue as this module is long.
"""
from __future__ import annotations

import functools
import inspect
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from flask import Flask, jsonify
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticError

from msgsys.api import schemas
from msgsys.errors import (Busy, DomainError, NotFound, PolicyViolation, Unauthorized, ValidationError)

# The shape of `details` for errors that have one, unless an operation names another.
DEFAULT_DETAILS: Mapping[type[DomainError], type] = {
    ValidationError: schemas.ValidationErrorDetails,
    PolicyViolation: schemas.PolicyViolationDetails,
}

ErrorDeclaration = type[DomainError] | tuple[type[DomainError], type]


@dataclass(frozen=True)
class PathParameter:
    """One `<...>` of the URL rule: its name and the pydantic type of the view's argument."""

    name: str
    annotation: Any

    @functools.cached_property
    def adapter(self) -> TypeAdapter:
        """Validates and documents the value."""
        return TypeAdapter(self.annotation)

    @functools.cached_property
    def not_found(self) -> schemas.NotFoundUnless | None:
        """The check a value must pass before anything else happens, if the type asks for one."""
        return next((m for m in getattr(self.annotation, "__metadata__", ()) if isinstance(m, schemas.NotFoundUnless)), None)


@dataclass(frozen=True)
class Operation:
    """What one view takes and answers."""

    view: Callable
    responses: Mapping[int, type[BaseModel]]
    body: type[BaseModel] | None
    body_required: bool
    errors: Mapping[type[DomainError], type | None]  # each error the view may answer with, and the shape of its details
    path: tuple[PathParameter, ...]
    public: bool
    tag: str
    summary: str
    description: str = field(default="")

    def status_of(self, model: BaseModel) -> int:
        """The declared status whose model this is (exactly that class, not a subclass)."""
        statuses = [status for status, declared in self.responses.items() if type(model) is declared]
        if len(statuses) != 1:
            raise TypeError(f"{self.view.__qualname__} returned {type(model).__name__}; it declares {dict(self.responses)}")
        return statuses[0]


def operation(*, responses: Mapping[int, type[BaseModel]], errors: tuple[ErrorDeclaration, ...] = (), tag: str,
              public: bool = False, body_required: bool | None = None) -> Callable[[Callable], Callable]:
    """Declare a view's responses and errors (its path parameters and body come from its typed arguments); see the module doc.

    `body_required` defaults to whether the body model has a required field; say True when the service needs a field
    the model leaves optional (a reason, say).
    """
    if not responses or not all(200 <= status < 300 for status in responses):
        raise ValueError("an operation declares at least one response, each with a 2xx status")

    def bind(view: Callable) -> Callable:
        hints = typing.get_type_hints(view, include_extras=True)
        names = list(inspect.signature(view).parameters)
        body = hints.get("body") if "body" in names else None
        if "body" in names and not (isinstance(body, type) and issubclass(body, BaseModel)):
            raise TypeError(f"{view.__qualname__}: `body` must be annotated with a request model")
        declared: dict[type[DomainError], type | None] = {}
        for entry in errors:
            error, details = entry if isinstance(entry, tuple) else (entry, DEFAULT_DETAILS.get(entry))
            declared[error] = details
        if not public:
            declared.setdefault(Unauthorized, None)
            declared.setdefault(Busy, None)  # the token check notes the token's use, which may wait for a write lock
        doc = inspect.cleandoc(view.__doc__ or "")
        if not doc:
            raise TypeError(f"{view.__qualname__}: its docstring is the operation's summary")
        summary, _sep, description = doc.partition("\n\n")
        op = Operation(
            view=view, responses=dict(responses), body=body,
            body_required=body is not None and (body_required if body_required is not None else _has_required_field(body)),
            errors=declared, path=tuple(PathParameter(n, hints[n]) for n in names if n != "body"),
            public=public, tag=tag, summary=" ".join(summary.split()).rstrip("."), description=description.strip(),
        )

        @functools.wraps(view)
        def run(**kwargs: Any):
            for param in op.path:
                if param.not_found is not None:
                    try:
                        param.adapter.validate_python(kwargs[param.name])
                    except PydanticError:
                        raise NotFound(param.not_found.message(kwargs[param.name])) from None
            if op.body is not None:
                kwargs["body"] = schemas.parse(op.body)
            result = view(**kwargs)
            model, status = result if isinstance(result, tuple) else (result, None)
            if status is None:
                status = op.status_of(model)
            elif type(model) is not op.responses.get(status):
                raise TypeError(f"{view.__qualname__} answered {status} with {type(model).__name__}; it declares {dict(op.responses)}")
            return jsonify(schemas.dump(model)), status

        run.operation = op  # type: ignore[attr-defined]
        return run

    return bind


def _has_required_field(model: type[BaseModel]) -> bool:
    return any(f.is_required() for f in model.model_fields.values())


def of_endpoint(app: Flask, endpoint: str | None) -> Operation | None:
    """The operation an endpoint's view declares, if any."""
    view = app.view_functions.get(endpoint or "")
    return getattr(view, "operation", None)
