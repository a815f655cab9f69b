"""Catalog: neural-ODE solves with diffrax (an eqx.nn.MLP vector field, Tsit5).

Fixed steps, an adaptive PIDController, and the adaptive solve under ``jax.vmap``
(Equinox's batched while loop: ``select_if_vmap``, ``maybe_set``, ``vprim``,
``unvmap_*``). diffrax is imported lazily: without it (``pip install
jax2onnx[integration]``) this module declares no cases.
"""

import importlib.util

from ..testcase import LEGACY_FROZEN, testcase

F = "examples_diffrax"


def _solver(adaptive: bool, batched: bool):
    def build():
        import diffrax
        import equinox as eqx
        import jax

        field = eqx.nn.MLP(3, 3, 16, 2, activation=jax.nn.tanh, key=jax.random.PRNGKey(0))

        def solve(y0):
            term = diffrax.ODETerm(lambda t, y, args: field(y))
            extra = (dict(stepsize_controller=diffrax.PIDController(rtol=1e-4, atol=1e-6))
                     if adaptive else {})
            sol = diffrax.diffeqsolve(term, diffrax.Tsit5(), 0.0, 1.0, 0.1, y0,
                                      saveat=diffrax.SaveAt(ts=[0.25, 0.5, 1.0]), max_steps=64, **extra)
            return sol.ys

        return jax.vmap(solve) if batched else solve

    return build


if importlib.util.find_spec("diffrax") is not None:
    testcase(F, "neural_ode_tsit5_fixed", "diffrax.diffeqsolve", build=_solver(False, False),
             inputs=[(3,)], f64=True, rtol=1e-4, atol=1e-5, expect_ops=("Loop",), ir_only=LEGACY_FROZEN)
    testcase(F, "neural_ode_tsit5_pid", "diffrax.diffeqsolve", build=_solver(True, False),
             inputs=[(3,)], f64=True, rtol=1e-4, atol=1e-5, expect_ops=("Loop",), markers=("slow",),
             ir_only=LEGACY_FROZEN)
    testcase(F, "neural_ode_tsit5_pid_vmap", "diffrax.diffeqsolve", build=_solver(True, True),
             inputs=[("B", 3)], f64=True, rtol=1e-4, atol=1e-5, expect_ops=("Loop",), markers=("slow",),
             ir_only=LEGACY_FROZEN)
