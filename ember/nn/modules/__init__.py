"""The layer classes of ``ember.nn``, one module per family (as ``torch.nn.modules``)."""
from .activation import *  # noqa: F401,F403
from .attention import MultiheadAttention  # noqa: F401
from .container import ModuleDict, ModuleList, Sequential  # noqa: F401
from .conv import Conv1d, Conv2d, Conv3d  # noqa: F401
from .conv_transpose import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d  # noqa: F401
from .distance import CosineSimilarity, PairwiseDistance, TripletMarginLoss  # noqa: F401
from .dropout import AlphaDropout, Dropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .fold import Fold, Unfold  # noqa: F401
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d  # noqa: F401
from .linear import Bilinear, Identity, Linear  # noqa: F401
from .lazy import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .loss_likelihood import CTCLoss, GaussianNLLLoss, PoissonNLLLoss  # noqa: F401
from .loss_margin import *  # noqa: F401,F403
from .module import Module  # noqa: F401
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm,  # noqa: F401
                            LocalResponseNorm, RMSNorm)
from .padding import *  # noqa: F401,F403
from .parameter_containers import ParameterDict, ParameterList  # noqa: F401
from .channelshuffle import ChannelShuffle  # noqa: F401
from .pixelshuffle import PixelShuffle, PixelUnshuffle  # noqa: F401
from .pooling import *  # noqa: F401,F403
from .prelu import PReLU  # noqa: F401
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase  # noqa: F401
from .sparse import Embedding, EmbeddingBag  # noqa: F401
from .upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d  # noqa: F401
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,  # noqa: F401
                          TransformerEncoderLayer)
