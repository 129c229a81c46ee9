"""kzoo data: dataset specs, z-score normalisation, windows and splits."""

from kzoo.data.csvfile import load_csv
from kzoo.data.datasets import DATASETS
from kzoo.data.datasets import REFERENCE_CSV
from kzoo.data.datasets import load
from kzoo.data.prepare import Windows
from kzoo.data.prepare import prepare
from kzoo.data.series import DataError
from kzoo.data.series import Series
from kzoo.data.splits import SPLITS
from kzoo.data.splits import split_indices
from kzoo.data.windows import ZScore
from kzoo.data.windows import check_length
from kzoo.data.windows import make_windows
