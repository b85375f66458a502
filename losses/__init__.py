"""Training objectives on embeddings: `losses.build(name, num_classes=..., ...)`.

Importing the package registers the five built-in objectives.

The plugin API, `from losses import Objective, SearchParam, register`, is the stable surface
for objectives written outside this repository (README, "Bring your own objective"):

- `Objective`: subclass it and implement `compute_loss(embeddings, targets)`. The suite
  validates the inputs, computes in float32, fits class centroids, and trains the class's
  own parameters at the run's head learning rate. Class attributes: `name` (snake_case,
  unique), `defaults` (every hyperparameter, `lr_multiplier` included), `search_space`,
  `uses_centroids` (predict by cosine to class centroids), `samples_per_class` (examples
  per class each batch must hold) and `former_defaults` (a changed default's old value, so
  records made with it keep their meaning). Override `scores`/`class_vectors` to predict
  otherwise.
- `SearchParam`: the range (or choices) the sweep draws one hyperparameter from; every
  objective's space gets the same number of completed trials.
- `register`: class decorator adding the objective under its `name`; it rejects a
  malformed class or a name already taken with a ValueError that states the rule.

`losses.testing.check_objective(cls)` is the contract every objective passes, callable from
a plugin's own tests. `build`, `get` and `names` serve the suite and may change.
"""

from . import proxy_anchor, proxy_nca, softmax, supcon, triplet  # noqa: F401  (registration)
from .base import Objective, SearchParam
from .registry import build, get, names, register

__all__ = ["Objective", "SearchParam", "build", "get", "names", "register"]
