"""The battery: every rule a method must pass, in the order they run and are printed."""

from __future__ import annotations

from benchmark.conformance import behaviour, declarations, harness
from benchmark.conformance.rule import Rule

BUILDS = "builds-for-several-tasks"
INTERFACE = "implements-interface"
FORWARD = "forward-shape"

RULES: tuple[Rule, ...] = (
    Rule("declares-name-and-summary", declarations.declares_name_and_summary,
         "records, checkpoints and `list methods` name the method by its registered name"),
    Rule("declares-label-and-family", declarations.declares_label_and_family,
         "reports label and order rows by what the records carry"),
    Rule("declares-training-mode", declarations.declares_training_mode,
         "the harness picks one model or one per task, and the sampler, from these"),
    Rule("dependencies-installed", declarations.dependencies_installed,
         "records list the versions of the libraries a method declares"),
    Rule("options-resolve", declarations.options_resolve,
         "--method-option must reach the method, and a typo must be refused"),
    Rule("builds-for-one-task", behaviour.builds_for_one_task,
         "per-task methods get one encoder per task"),
    Rule(BUILDS, behaviour.builds_for_several_tasks,
         "joint methods get one encoder for every task"),
    Rule(INTERFACE, behaviour.implements_interface,
         "the harness calls forward with all_positions and reads an EncoderOutput", (BUILDS,)),
    Rule(FORWARD, behaviour.forward_shape,
         "heads of pooled tasks read one vector per row, token-level heads every position",
         (INTERFACE,)),
    Rule("conditions-each-row", behaviour.conditions_each_row,
         "a batch mixing tasks must give each row what it gives alone", (FORWARD,)),
    Rule("gradients-reach-trained-parameters", behaviour.gradients_reach_trained_parameters,
         "a parameter counted as trained must be able to change", (FORWARD,)),
    Rule("frozen-weights-untouched", behaviour.frozen_weights_untouched,
         "frozen weights are stored once for every task only if they stay pretrained",
         (FORWARD,)),
    Rule("trained-weights-change", behaviour.trained_weights_change,
         "what the method declares trained is what training changes", (FORWARD,)),
    Rule("learns", behaviour.learns, "a method that cannot fit one batch is broken", (FORWARD,)),
    Rule("parameters-accounted", behaviour.parameters_accounted,
         "the parameter columns come from requires_grad and task_specific_parameter_count",
         (BUILDS,)),
    Rule("deterministic-with-seed", behaviour.deterministic_with_seed,
         "the same command and seed must give the same record", (FORWARD,)),
    Rule("checkpoint-round-trip", behaviour.checkpoint_round_trip,
         "saved models are rebuilt through the method and must predict the same", (FORWARD,)),
    Rule("runs-through-the-harness", harness.runs_through_the_harness,
         "a real run must end in a valid record that names the method's label and family",
         (FORWARD, "builds-for-one-task")),
)
