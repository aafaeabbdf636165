"""Regularize: the recipe's step 4, each study a group of runs in worker processes, followed live."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import streamlit as st

from app_pages._regularize_widgets import finished_runs, follow_group, launch, run_labels, show_preview
from app_pages._train_widgets import config_inputs
from app_pages._widgets import current_dataset, store, user_errors
from recipe_dash import plots, regularize
from recipe_dash.io.loading import save_upload
from recipe_dash.regularize.groups import Group
from recipe_dash.regularize.plans import FRACTIONS, MAX_ENSEMBLE, REGULARIZERS
from recipe_dash.training.artifacts import read_first_layer, weights_path
from recipe_dash.training.config import FLIPS

dataset = current_dataset()
if dataset is None:
    st.stop()

st.title(f"Regularize · {dataset.name}")
st.caption(
    "Recipe step 4, once a model overfits the training set: give up some training accuracy for validation "
    "accuracy. In the recipe's order: more data (is it worth it? the learning curve says), augmentation, "
    "pretraining, smaller inputs, a smaller model, smaller batches, dropout, weight decay, early stopping, an "
    "ensemble. Every study is a group of ordinary runs in worker processes (they show on the Train page too)."
)
st.info(
    "Grow the model only after all of this: the recipe tries a larger model last, once regularizing and more "
    "data stop paying, because a bigger model mostly buys a bigger train/validation gap.",
    icon=":material/trending_up:",
)

with st.expander("Base run: the settings every study starts from", icon=":material/tune:"), user_errors():
    base = config_inputs(dataset, key="reg")

curve_tab, sweep_tab, augment_tab, pretrain_tab, ensemble_tab, layer_tab = st.tabs(
    ["Learning curve", "Regularizers", "Augmentation", "Pretrain", "Ensemble", "First layer"]
)


def show_curve(group: Group) -> None:
    curve = regularize.learning_curve(group)
    say = {"more_data": st.warning, "flat": st.success}.get(curve.conclusion, st.info)
    say(curve.summary, icon=":material/query_stats:")
    if curve.points["val"].notna().any():  # no empty axes while the first run trains
        st.plotly_chart(plots.learning_curve_figure(curve.points, curve.metric), key="curve_figure")
    st.dataframe(
        curve.points.drop(columns=["fraction"]),
        hide_index=True,
        key="curve_points",
        column_config={
            c: st.column_config.NumberColumn(format="percent") for c in ("val", "val_low", "val_high", "train", "gap")
        },
    )


def show_comparison(group: Group) -> None:
    comparison = regularize.compare_to_reference(group)
    for warning in comparison.warnings:
        st.warning(warning, icon=":material/warning:")
    st.markdown(comparison.summary)
    st.plotly_chart(plots.comparison_figure(comparison.table, comparison.metric), key=f"compare_{group.study}")
    metrics, labels = regularize.curve_frame(store(), group)
    if labels:
        st.caption(
            "Curves per epoch: training (solid) is the end-of-epoch pass in eval mode, like validation (dashed)."
        )
        st.plotly_chart(plots.curves_figure(metrics, labels), key=f"curves_{group.study}")
    st.dataframe(
        comparison.table,
        hide_index=True,
        key=f"table_{group.study}",
        column_config={
            c: st.column_config.NumberColumn(format="percent")
            for c in ("train", "val", "gap", "val_change", "val_change_low", "val_change_high", "gap_change")
        },
    )


with curve_tab, user_errors():
    st.markdown(
        "**Would more data help?** The same run on 10, 25, 50 and 100% of the training split (stratified, "
        "validation unchanged). A curve still climbing at 100% says collect more data; a flat one says regularize "
        "or change the model."
    )
    chosen = st.multiselect(
        "Fractions",
        [0.1, 0.25, 0.5, 0.75, 1.0],
        default=list(FRACTIONS),
        key="fractions",
        format_func=lambda f: f"{f:.0%}",
    )
    if st.button("Run the learning curve", type="primary", key="start_curve", icon=":material/play_arrow:"):
        launch(regularize.learning_curve_plan(base, chosen))
    follow_group("learning_curve", show_curve, idle="No learning curve yet.")

with sweep_tab, user_errors():
    st.markdown(
        "**Each regularizer against the unregularized run** (the base run with dropout, weight decay, "
        "augmentation and early stopping off): one run per value, compared on the train/validation gap."
    )
    picked = st.multiselect(
        "Regularizers",
        REGULARIZERS,
        default=list(REGULARIZERS),
        key="regularizers",
        format_func=lambda r: r.replace("_", " "),
    )
    st.caption(
        "Dropout does not play nice with BatchNorm (the page warns when a run's model has both). Without values "
        "each is tried once: half the input size and width, a quarter of the batch, dropout 0.3, weight decay "
        "1e-3, early stopping with patience 3, and the augmentation set on the next tab. Early stopping only "
        "shows on runs long enough to overfit: raise the base run's epochs."
    )
    if st.button("Run the sweep", type="primary", key="start_sweep", icon=":material/play_arrow:"):
        choices = None if set(picked) == set(REGULARIZERS) else {name: [] for name in picked}
        augmentation = st.session_state.get("augmentation_config")
        launch(
            regularize.sweep_plan(
                base,
                dataset.kind,
                choices=choices,
                native_size=regularize.native_size(dataset),
                augmentation=augmentation,
            )
        )
    follow_group("sweep", show_comparison, idle="No sweep yet.")

with augment_tab, user_errors():
    st.markdown("**Augmentation**: random changes to each training batch that keep its labels.")
    if dataset.kind == "image":
        flip_col, shift_col, crop_col, noise_col = st.columns(4)
        flip = flip_col.selectbox(
            "Flips",
            FLIPS,
            key="aug_flip",
            help="Only where a mirror image keeps its class: never for digits or text (a mirrored 2 is no 2, a "
            "mirrored b is a d), horizontal for most photos, both for textures, cells or satellite tiles.",
        )
        shift = shift_col.slider("Shift (px)", 0, 8, 2, key="aug_shift")
        crop = crop_col.slider("Crop (share of each side)", 0.0, 0.4, 0.1, 0.05, key="aug_crop")
        noise = noise_col.slider("Noise (std)", 0.0, 1.0, 0.0, 0.05, key="aug_noise")
    else:
        flip, shift, crop = "none", 0, 0.0
        noise = st.slider("Noise on numeric features (std)", 0.0, 1.0, 0.1, 0.05, key="aug_noise")
        st.caption("One-hot and 0/1 columns are left alone: noise would make them no category at all.")
    augmented = replace(base, flip=str(flip), shift=int(shift), crop=float(crop), noise=float(noise))
    st.session_state["augmentation_config"] = augmented
    if st.toggle("Visualize the batch", value=True, key="aug_preview"):
        show_preview(regularize.preview_augmentation(dataset, augmented))
    if st.button(
        "Compare with the unregularized run", type="primary", key="start_augment", icon=":material/play_arrow:"
    ):
        plan = regularize.sweep_plan(base, dataset.kind, choices={"augment": []}, augmentation=augmented)
        launch(replace(plan, study="augment"))
    follow_group("augment", show_comparison, idle="No augmentation run yet.")

with pretrain_tab, user_errors():
    st.markdown(
        "**Pretrain**: start from your own weights (a `state_dict` file, read with `torch.load(weights_only=True)`: "
        "tensors only, never code) and compare with the same run from scratch. Every layer must match the base "
        "run's model by name and shape."
    )
    source = st.radio("Weights", ["A finished run", "Upload a file"], horizontal=True, key="weights_source")
    weights: Path | None = None
    if source == "A finished run":
        labels = run_labels()
        candidates = finished_runs(with_file=weights_path)
        if candidates:
            run_id = st.selectbox("Run", candidates, key="weights_run", format_func=lambda r: labels.get(r, f"run {r}"))
            weights = weights_path(int(run_id))
        else:
            st.info("No finished run has saved weights yet.")
    else:
        upload = st.file_uploader("state_dict file", type=["pt", "pth", "bin"], key="weights_upload")
        if upload is not None:
            weights = save_upload(upload.name, upload)
    if weights is not None and st.button(
        "Compare with training from scratch", type="primary", key="start_pretrain", icon=":material/play_arrow:"
    ):
        launch(regularize.pretrain_plan(base, weights))

    def show_pretrain(group: Group) -> None:
        st.markdown(regularize.pretrain_summary(store(), group))
        metrics, labels = regularize.curve_frame(store(), group, eval_train=False)
        if labels:
            st.plotly_chart(plots.curves_figure(metrics, labels), key="curves_pretrain")

    follow_group("pretrain", show_pretrain, idle="No pretraining comparison yet.")

with ensemble_tab, user_errors():
    st.markdown(
        "**Ensemble**: the base run with several seeds, their validation probabilities averaged. The recipe: "
        "a near-certain gain of a point or two, and never more than five models."
    )
    n_models = st.slider("Models", 2, MAX_ENSEMBLE, 3, key="ensemble_size")
    if st.button("Train the ensemble", type="primary", key="start_ensemble", icon=":material/play_arrow:"):
        launch(regularize.ensemble_plan(base, n_models))

    def show_ensemble(group: Group) -> None:
        result = regularize.ensemble_result(group)
        st.markdown(result.summary)
        st.plotly_chart(plots.ensemble_figure(result.members, result.ensemble, result.metric), key="ensemble_fig")

    follow_group("ensemble", show_ensemble, idle="No ensemble yet.")

with layer_tab, user_errors():
    st.markdown(
        "**The first layer's weights**: after training they should look like edges, strokes or blobs; filters "
        "that look like noise mean something is wrong (training never reached the layer, a learning rate too high)."
    )
    with_layers = finished_runs(with_file=read_first_layer)
    if not with_layers:
        st.info("No finished run yet: the first layer is saved when a run ends.")
    else:
        labels = run_labels()
        run_id = st.selectbox("Run", with_layers, key="layer_run", format_func=lambda r: labels.get(r, f"run {r}"))
        layer = read_first_layer(int(run_id))
        assert layer is not None
        view = regularize.layer_view(layer)
        st.markdown(view.summary)
        colours = "Grey is zero, lighter positive, darker negative" if view.kind == "images" else "White is zero"
        st.caption(f"Layer `{view.name}`: {view.caption}. {colours}.")
        st.plotly_chart(plots.first_layer_figure(view.kind, view.picture), key="first_layer_fig")
