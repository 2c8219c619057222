"""Where outsider text becomes code: each ``${{ }}`` sink of a job (:func:`~shipwarden.ci.github.sites.sinks`)
with the taint the tracer finds in it, worked out once per job for template-injection and
the path search's entries (:mod:`shipwarden.paths.ends`)."""

from __future__ import annotations

from shipwarden.ci.github.facts import job_facts, tracer_for
from shipwarden.ci.github.model import Job, Step
from shipwarden.ci.github.records import Taint
from shipwarden.ci.github.sites import Sink, sinks
from shipwarden.core.identity import per_object
from shipwarden.core.structs import struct


@struct(frozen=True)
class Injection:
    """A sink of ``step`` whose expression carries outsider text."""

    step: Step
    sink: Sink
    taint: Taint


def _injections(job: Job) -> tuple[Injection, ...]:
    tracer = tracer_for(job.workflow)
    found: list[Injection] = []
    for step in job_facts(job).steps:
        for sink in sinks(step):
            taint = tracer.trace_inner(sink.site.inner, step, job)
            if taint is not None:
                found.append(Injection(step, sink, taint))
    return tuple(found)


#: The job's tainted sinks, in step and sink order.
injections = per_object(_injections)
