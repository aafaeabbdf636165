"""The recipe's step 4, regularize: learning curve, regularizer sweep, augmentation, pretraining, ensembles
and the first layer's weights, each a group of ordinary training runs read back together.

    from recipe_dash import workspace
    from recipe_dash.regularize import launch, learning_curve, learning_curve_plan, read_group
    from recipe_dash.store import open_store
    from recipe_dash.training import TrainConfig

    store = open_store()
    dataset_id, _ = workspace.open_dataset(store, "sample_data/digits")
    group_id = launch(store, dataset_id, learning_curve_plan(TrainConfig()))  # workers train the runs
    ...
    print(learning_curve(read_group(store, dataset_id, group_id)).summary)

Names are imported on first use, so importing this package does not import torch.
"""

from __future__ import annotations

from recipe_dash._lazy import lazy_exports

_EXPORTS = {
    "Group": "groups",
    "Member": "groups",
    "Plan": "groups",
    "launch": "groups",
    "list_groups": "groups",
    "latest_group": "groups",
    "read_group": "groups",
    "stop_group": "groups",
    "learning_curve_plan": "plans",
    "sweep_plan": "plans",
    "ensemble_plan": "plans",
    "pretrain_plan": "plans",
    "native_size": "plans",
    "REGULARIZERS": "plans",
    "learning_curve": "curve",
    "compare_to_reference": "compare",
    "curve_frame": "compare",
    "pretrain_summary": "compare",
    "ensemble_result": "ensemble",
    "layer_view": "first_layer",
    "preview_augmentation": "preview",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
