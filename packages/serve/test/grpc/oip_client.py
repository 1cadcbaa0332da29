"""A reference Open Inference Protocol gRPC client (python grpcio, another implementation).

Run by grpc.integration.test.ts: argv = <generated-code dir> <host:port>. Prints one JSON
object with what it saw; the test asserts on it.
"""
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import grpc_predict_v2_pb2 as pb  # noqa: E402
import grpc_predict_v2_pb2_grpc as pb_grpc  # noqa: E402

channel = grpc.insecure_channel(sys.argv[2])
stub = pb_grpc.GRPCInferenceServiceStub(channel)
out = {}

out["live"] = stub.ServerLive(pb.ServerLiveRequest()).live
out["ready"] = stub.ServerReady(pb.ServerReadyRequest()).ready
meta = stub.ServerMetadata(pb.ServerMetadataRequest())
out["server"] = {"name": meta.name, "extensions": list(meta.extensions)}
m = stub.ModelMetadata(pb.ModelMetadataRequest(name="linear"))
out["model"] = {
    "name": m.name,
    "versions": list(m.versions),
    "platform": m.platform,
    "inputs": [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in m.inputs],
}
out["model_ready"] = stub.ModelReady(pb.ModelReadyRequest(name="linear")).ready

# Typed contents.
req = pb.ModelInferRequest(model_name="linear", id="typed-1")
t = req.inputs.add(name="x", datatype="FP32", shape=[2, 4])
t.contents.fp32_contents.extend([1, 2, 3, 4, 5, 6, 7, 8])
r = stub.ModelInfer(req)
out["typed"] = {
    "id": r.id,
    "model_version": r.model_version,
    "outputs": [{"name": o.name, "datatype": o.datatype, "shape": list(o.shape), "data": list(o.contents.fp32_contents)} for o in r.outputs],
    "raw_count": len(r.raw_output_contents),
}

# raw_input_contents / raw_output_contents.
req = pb.ModelInferRequest(model_name="linear")
req.inputs.add(name="x", datatype="FP32", shape=[1, 4])
req.raw_input_contents.append(struct.pack("<4f", 1, 2, 3, 4))
r = stub.ModelInfer(req)
out["raw"] = {
    "shape": list(r.outputs[0].shape),
    "data": list(struct.unpack("<2f", r.raw_output_contents[0])),
    "typed_len": len(r.outputs[0].contents.fp32_contents),
}

# INT64 beyond 2^53, exact both ways (typed contents).
req = pb.ModelInferRequest(model_name="ints")
req.inputs.add(name="i32", datatype="INT32", shape=[2]).contents.int_contents.extend([-7, 7])
req.inputs.add(name="u64", datatype="UINT64", shape=[2]).contents.uint64_contents.extend([18446744073709551615, 0])
req.inputs.add(name="i64", datatype="INT64", shape=[2]).contents.int64_contents.extend([9223372036854775807, -9007199254740993])
r = stub.ModelInfer(req)
by = {o.name: o for o in r.outputs}
out["ints"] = {
    "i64": [str(v) for v in by["oi64"].contents.int64_contents],
    "u64": [str(v) for v in by["ou64"].contents.uint64_contents],
    "i32": list(by["o32"].contents.int_contents),
}

# BYTES: UTF-8 round-trips exactly (raw), non-UTF-8 is refused with INVALID_ARGUMENT.
def bytes_req(elements):
    req = pb.ModelInferRequest(model_name="echo")
    req.inputs.add(name="text", datatype="BYTES", shape=[len(elements)])
    req.raw_input_contents.append(b"".join(struct.pack("<I", len(e)) + e for e in elements))
    return req

elements = ["héllo".encode(), "日本".encode(), b""]
r = stub.ModelInfer(bytes_req(elements))
out["bytes_exact"] = r.raw_output_contents[0] == b"".join(struct.pack("<I", len(e)) + e for e in elements)
try:
    stub.ModelInfer(bytes_req([b"\xff\xd8\xff\xe0"]))
    out["bytes_bad"] = "OK"
except grpc.RpcError as e:
    out["bytes_bad"] = [e.code().name, e.details()]

# Errors map to gRPC codes.
def code_of(req):
    try:
        stub.ModelInfer(req)
        return "OK"
    except grpc.RpcError as e:
        return e.code().name

out["unknown_model"] = code_of(pb.ModelInferRequest(model_name="nope"))
bad = pb.ModelInferRequest(model_name="linear")
bad.inputs.add(name="x", datatype="FP32", shape=[1, 3]).contents.fp32_contents.extend([1, 2, 3])
out["bad_shape"] = code_of(bad)
print(json.dumps(out))
