"""Writes risk_linear.onnx, the small ONNX test model of the decisions service.

Contract (docs/DECISIONS.md, "ONNX models"):
  input  pools          float32 [n, 8]  one row per candidate pool, in input order:
         0 mean price of the last 6 h / on-demand price
         1 latest price / on-demand price
         2 pricing's risk score (0.5 when not assessed)
         3 termination notices in 30 days / 8
         4 share of agent-reported points in the window
         5 1 for the pool the group runs in, else 0
         6 1 when the pool is marked avoid, else 0
         7 availability target / 100
  output pool_scores    float32 [n]     higher is better
  output action_logits  float32 [4]     STAY, SWITCH, CREATE_REPLICA, NO_ACTION

The model is linear: score = pools @ w. gain = max(score) - score(current);
the logits favour SWITCH when the gain exceeds 0.2 (about 5 % of the
on-demand price with these weights). It exists to exercise the runtime, not
to be a good policy. Run: python3 make_test_model.py (needs `pip install onnx`).
"""

import onnx
from onnx import TensorProto, helper

W = [-4.0, -1.0, -1.0, -0.5, 0.2, 0.0, -10.0, 0.0]

nodes = [
    helper.make_node("MatMul", ["pools", "w"], ["score_col"]),
    helper.make_node("Reshape", ["score_col", "flat"], ["pool_scores"]),
    helper.make_node("ReduceMax", ["pool_scores"], ["best"], keepdims=0),
    helper.make_node("Gather", ["pools", "current_col"], ["is_current"], axis=1),
    helper.make_node("Mul", ["pool_scores", "is_current"], ["current_only"]),
    helper.make_node("ReduceSum", ["current_only"], ["current"], keepdims=0),
    helper.make_node("Sub", ["best", "current"], ["gain"]),
    helper.make_node("Mul", ["gain", "slope"], ["scaled"]),
    helper.make_node("Add", ["scaled", "bias"], ["action_logits"]),
]
inits = [
    helper.make_tensor("w", TensorProto.FLOAT, [8, 1], W),
    helper.make_tensor("flat", TensorProto.INT64, [1], [-1]),
    helper.make_tensor("current_col", TensorProto.INT64, [], [5]),
    helper.make_tensor("slope", TensorProto.FLOAT, [4], [-20.0, 20.0, 0.0, 0.0]),
    helper.make_tensor("bias", TensorProto.FLOAT, [4], [4.0, -4.0, -10.0, -10.0]),
]
graph = helper.make_graph(
    nodes,
    "risk_linear",
    [helper.make_tensor_value_info("pools", TensorProto.FLOAT, ["n", 8])],
    [
        helper.make_tensor_value_info("pool_scores", TensorProto.FLOAT, ["n"]),
        helper.make_tensor_value_info("action_logits", TensorProto.FLOAT, [4]),
    ],
    inits,
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="spot-decisions")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "risk_linear.onnx")

# A model with the wrong input width, for the upload tests.
bad_graph = helper.make_graph(
    [helper.make_node("Identity", ["x"], ["y"])],
    "wrong_shape",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
)
bad = helper.make_model(bad_graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="spot-decisions")
bad.ir_version = 8
onnx.save(bad, "wrong_shape.onnx")
print("wrote risk_linear.onnx and wrong_shape.onnx")
