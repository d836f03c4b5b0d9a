import numpy as np

from loadtests.q4_grid_check import on_q4_1_grid


def test_q4_1_values_are_found_exact_and_float_weights_are_not() -> None:
    rng = np.random.default_rng(0)
    low = rng.normal(size=(4, 2, 1))
    scale = rng.uniform(0.01, 0.1, size=(4, 2, 1))
    q = rng.integers(0, 16, size=(4, 2, 32))
    q[..., 0], q[..., 1] = 0, 15  # each block spans its whole grid, as a Q4_1 block's min and max do
    on_grid = (low + q * scale).reshape(4, 64).astype(np.float32)
    assert on_q4_1_grid(on_grid, 32)[0] == 1.0
    share, worst = on_q4_1_grid(rng.normal(size=(4, 64)).astype(np.float32), 32)
    assert share == 0.0 and worst > 1e-3
