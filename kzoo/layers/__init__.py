"""kzoo layers: codebooks, positional encodings and blocks (keras.ops only)."""

from kzoo.layers.blocks import CodebookBlock
from kzoo.layers.cache_hierarchy import CacheHierarchy
from kzoo.layers.codebook import Codebook
from kzoo.layers.codebook_recall import CodebookRecall
from kzoo.layers.long_convolution import CausalLongConvolution
from kzoo.layers.mixing import CausalTokenMixing
from kzoo.layers.mixing import DelayEmbedding
from kzoo.layers.positional import LearnedPositionalEncoding
from kzoo.layers.positional import RandnPositionalEncoding
from kzoo.layers.positional import RotaryPositionalEncoding
from kzoo.layers.positional import SinusoidalPositionalEncoding
from kzoo.layers.product_codebook import ProductCodebook
from kzoo.layers.ridge_codebook import RidgeCodebook
from kzoo.layers.time_cache import CodebookCache
from kzoo.layers.wrappers import AutoregressivePath
from kzoo.layers.wrappers import ChangeForecast
from kzoo.layers.wrappers import WindowDenormalization
from kzoo.layers.wrappers import WindowNormalization
