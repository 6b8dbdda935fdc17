"""How a run is measured (RunOptions) and what one worker process is asked to do (RunSpec, sent as JSON on stdin).

Kept apart from the setting language in core.spec: options and the worker contract change for other reasons than
the grammar of compression settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from core.spec import STAGES, CompressionSpec, SpecError

# core.artifact.weightsform's forms (that package imports core's root, so not imported back; a test checks they agree).
WEIGHTS_FORMS = ("auto", "const", "variables")


@dataclass
class RunOptions:
    """How one variant is measured; defaults follow the paper (95% CI within 5% of the mean)."""

    ci_target_pct: float = 5.0
    min_iters: int = 30
    max_iters: int = 20000
    max_seconds: float = 20.0
    min_seconds: float = 2.0  # timed span floor: sub-ms models must not "converge" in a 20 ms burst
    warmup_iters: int = 10
    batch_size: int = 1
    trace_passes: int = 3
    eval_limit: int | None = None  # None: the whole evaluation set
    idle_seconds: float = 2.0
    # Worker processes per variant; >1 measures the run-to-run noise a single process cannot see.
    repeat: int = 1
    # CPU threads for inference (TFLite num_threads; TensorFlow intra-op pool N, inter-op 1); None: the runtime's
    # own default. Recorded in the latency block either way, since latency depends on it.
    threads: int | None = None
    # Paired timing (core.measure.paired): baseline and compressed in one process, alternating ABBA blocks of
    # `paired_block_s` (None: the session picks, core.run.paired.paired_block_seconds), until the ratio's 95%
    # interval is within `paired_target_pct` or lies beyond 1 +/- `paired_threshold_pct` (also the verdicts' "no
    # real change" band), or `paired_max_seconds` have passed.
    paired: bool = True
    paired_block_s: float | None = None
    paired_target_pct: float = 2.0
    paired_threshold_pct: float = 2.0
    paired_max_seconds: float = 10.0
    # Paired-stage processes, one after the other, each with its share of the cap; the ratio's interval is over their
    # ratios (core.run.paired.merge_paired), since a process's own interval cannot see how processes differ (1-2%
    # here, and now and then one lands 10% off). Five, not three: the quick check's ratios then spread 1.038 max/min
    # over 10 fresh runs, where three gave 1.036-1.069 (benchmarks/bench_paired_verdicts.py). `repeat` N raises it.
    paired_processes: int = 5
    # Where the run stage keeps the weights (core.artifact.weightsform): "const" (graph constants: oneDNN caches
    # filters), "variables" (the lean form), or "auto": constants where their copies fit in available memory.
    weights_form: str = "auto"

    def validate(self) -> None:
        """Raise SpecError with a fix for any option a user could set wrongly."""
        if not 0 < self.ci_target_pct <= 100:
            raise SpecError(f"confidence target {self.ci_target_pct}% must be in (0, 100]; the paper uses 5")
        if self.min_iters < 2:
            raise SpecError(
                f"min iterations {self.min_iters} must be at least 2 to compute a confidence interval"
            )
        if self.max_iters < self.min_iters:
            raise SpecError(
                f"max iterations {self.max_iters} is below min iterations {self.min_iters}; raise it"
            )
        if self.max_seconds <= 0:
            raise SpecError(f"max seconds {self.max_seconds} must be positive")
        if not 0 <= self.min_seconds <= self.max_seconds:
            raise SpecError(
                f"min seconds {self.min_seconds} must be between 0 and max seconds {self.max_seconds}"
            )
        if self.warmup_iters < 0 or self.trace_passes < 0 or self.batch_size < 1:
            raise SpecError("warm-up iterations and trace passes must be >= 0 and batch size >= 1")
        if self.repeat < 1:
            raise SpecError(f"repeat {self.repeat} must be at least 1 worker process per variant")
        if self.idle_seconds < 0:
            raise SpecError(f"idle seconds {self.idle_seconds} must be >= 0")
        if self.paired_block_s is not None and not 0.001 <= self.paired_block_s <= 10:
            raise SpecError(
                f"paired block {self.paired_block_s} s must be from 0.001 to 10 s; leave it out and the run picks"
            )
        if not 0 < self.paired_target_pct <= 100 or not 0 <= self.paired_threshold_pct < 100:
            raise SpecError(
                f"paired interval target {self.paired_target_pct}% must be in (0, 100] and the no-change threshold "
                f"{self.paired_threshold_pct}% in [0, 100); the defaults are 2 and 2"
            )
        if self.paired_processes < 1:
            raise SpecError(f"paired processes {self.paired_processes} must be at least 1; 5 is the default")
        if self.paired_max_seconds <= 0:
            raise SpecError(f"paired max seconds {self.paired_max_seconds} must be positive")
        if self.weights_form not in WEIGHTS_FORMS:
            raise SpecError(
                f"weights form {self.weights_form!r} is not one of {', '.join(WEIGHTS_FORMS)}; auto is the default"
            )
        if self.threads is not None and not (
            isinstance(self.threads, int) and not isinstance(self.threads, bool) and 1 <= self.threads <= 1024
        ):
            raise SpecError(
                f"threads {self.threads!r} must be a whole number from 1 to 1024, or left out for the runtime's default"
            )


@dataclass
class RunSpec:
    """Everything the worker needs for one variant (one model, one compression setting); sent as JSON on stdin.

    `stage` splits the work over two processes: "compress" (modern TensorFlow/Keras: writes `artifact`) and "run"
    (Python 3.6-compatible runner: loads `artifact`); None runs both in one process, as older callers expect.
    `weights` "random" builds a Keras-application model with seeded random weights (no download needed).
    """

    model: str
    compression: CompressionSpec
    options: RunOptions = field(default_factory=RunOptions)
    workdir: str = "runs"  # where the worker writes the compressed artifact and its TensorFlow log
    dataset: str | None = None  # None: the model's default evaluation set
    stage: str | None = None
    artifact: str | None = None
    weights: str | None = None  # None: the model's own weights; "random": seeded random weights
    # A model the user brings (core.models.user_model): {"path", "input_shape", "preprocess", "input_name",
    # "output_name"}; `model` is then the file's name. None: a registry model.
    model_args: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "model": self.model,
            "compression": str(self.compression),
            "options": asdict(self.options),
            "workdir": self.workdir,
            "dataset": self.dataset,
        }
        out.update(
            {
                k: v
                for k, v in (
                    ("stage", self.stage),
                    ("artifact", self.artifact),
                    ("weights", self.weights),
                    ("model_args", self.model_args),
                )
                if v
            }
        )
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunSpec:
        try:
            options = RunOptions(**data.get("options", {}))
        except TypeError as exc:
            raise SpecError(f"run spec has an unknown option: {exc}") from None
        options.validate()
        stage = data.get("stage")
        if stage is not None and stage not in STAGES:
            raise SpecError(
                f'run spec stage {stage!r} is unknown; use "compress", "run", or leave it out for both'
            )
        weights = data.get("weights")
        if weights not in (None, "random"):
            raise SpecError(f'run spec weights {weights!r} is unknown; use "random", or leave it out')
        if stage == "run" and not data.get("artifact"):
            raise SpecError('run spec with stage "run" needs an "artifact" path from the compress stage')
        return cls(
            model=str(data["model"]),
            compression=CompressionSpec.parse(data.get("compression", "baseline")),
            options=options,
            workdir=str(data.get("workdir", "runs")),
            dataset=data.get("dataset"),
            stage=stage,
            artifact=data.get("artifact"),
            weights=weights,
            model_args=data.get("model_args"),
        )
