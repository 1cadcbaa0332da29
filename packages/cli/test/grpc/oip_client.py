"""An Open Inference Protocol gRPC client from another implementation (python grpcio).

Run by serve.test.ts against the `mlops serve --grpc-port` process:
argv = <generated-code dir> <host:port> <model> <rows as JSON>. Prints one JSON object with
what it saw; the test asserts on it.
"""
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import grpc_predict_v2_pb2 as pb  # noqa: E402
import grpc_predict_v2_pb2_grpc as pb_grpc  # noqa: E402

model = sys.argv[3]
rows = json.loads(sys.argv[4])
channel = grpc.insecure_channel(sys.argv[2])
stub = pb_grpc.GRPCInferenceServiceStub(channel)
out = {}

out["live"] = stub.ServerLive(pb.ServerLiveRequest()).live
out["ready"] = stub.ServerReady(pb.ServerReadyRequest()).ready
m = stub.ModelMetadata(pb.ModelMetadataRequest(name=model))
out["metadata"] = {
    "name": m.name,
    "versions": list(m.versions),
    "inputs": [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in m.inputs],
    "outputs": [{"name": t.name, "datatype": t.datatype, "shape": list(t.shape)} for t in m.outputs],
}
out["model_ready"] = stub.ModelReady(pb.ModelReadyRequest(name=model)).ready


def infer(version="", raw=False):
    req = pb.ModelInferRequest(model_name=model, model_version=version, id="py-1")
    t = req.inputs.add(name="x", datatype="FP32", shape=[len(rows), len(rows[0])])
    flat = [v for r in rows for v in r]
    if raw:
        req.raw_input_contents.append(struct.pack("<%df" % len(flat), *flat))
    else:
        t.contents.fp32_contents.extend(flat)
    r = stub.ModelInfer(req)
    o = r.outputs[0]
    data = list(struct.unpack("<%df" % len(rows), r.raw_output_contents[0])) if raw else list(o.contents.fp32_contents)
    return {"id": r.id, "model_name": r.model_name, "model_version": r.model_version, "output": o.name, "datatype": o.datatype, "shape": list(o.shape), "data": data}


out["typed"] = infer()
out["raw"] = infer(raw=True)
out["version_1"] = infer(version="1")


def code_of(fn):
    try:
        fn()
        return "OK"
    except grpc.RpcError as e:
        return e.code().name


out["unknown_model"] = code_of(lambda: stub.ModelInfer(pb.ModelInferRequest(model_name="nope")))


def bad_shape():
    req = pb.ModelInferRequest(model_name=model)
    req.inputs.add(name="x", datatype="FP32", shape=[1, 3]).contents.fp32_contents.extend([1, 2, 3])
    stub.ModelInfer(req)


out["bad_shape"] = code_of(bad_shape)
print(json.dumps(out))
