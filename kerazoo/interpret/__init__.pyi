# The public names of kerazoo.interpret, declared once: __init__.py reads this file with
# lazy_loader (each imported on first use); type checkers and IDEs read it as the stub.
# A name added here is public: document it in docs/reference/interpret.md.

from ._attribution import saliency as saliency
from ._checks import SaliencyChecks as SaliencyChecks, saliency_checks as saliency_checks
from ._gradients import value_and_grad as value_and_grad
from ._maps import (
    draw_feature_maps as draw_feature_maps,
    draw_kernels as draw_kernels,
    feature_maps as feature_maps,
)
from ._maximize import (
    Regularizers as Regularizers,
    maximize_classes as maximize_classes,
    maximize_filters as maximize_filters,
    mean_activations as mean_activations,
    top_images as top_images,
)
from ._maximize_draw import (
    draw_classes as draw_classes,
    draw_filters as draw_filters,
    draw_top_images as draw_top_images,
)
from ._maximize_quality import (
    filter_ratios as filter_ratios,
    save_images as save_images,
    transfer as transfer,
)
from ._methods import SALIENCY_METHODS as SALIENCY_METHODS
from ._param import Transforms as Transforms
from ._probe import (
    feature_layers as feature_layers,
    last_conv_layer as last_conv_layer,
    layer_model as layer_model,
    load as load,
    logits_layer as logits_layer,
)
from ._saliency_picture import draw_saliency as draw_saliency
from ._score import SaliencyScore as SaliencyScore, saliency_score as saliency_score
from ._snapshots import Snapshots as Snapshots
from ._stats import (
    ActivationStats as ActivationStats,
    ActivationWarning as ActivationWarning,
    activation_warning as activation_warning,
    draw_activation_stats as draw_activation_stats,
    layer_stats as layer_stats,
    read_stats as read_stats,
)
