// Entry point of the native backend: oneDNN kernels that tfjs calls on the wasm backend's heap.
#include <omp.h>

#include "common.h"

namespace fashion {

dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpuStream() {
  static dnnl::stream stream(cpuEngine());
  return stream;
}

float* floats(const Napi::CallbackInfo& info, size_t index, size_t expected, const char* what) {
  if (index >= info.Length() || !info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + ": expected a Float32Array");
  }
  auto view = info[index].As<Napi::Float32Array>();
  if (view.ElementLength() != expected) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + ": expected " + std::to_string(expected) +
                                                 " floats, got " + std::to_string(view.ElementLength()));
  }
  return view.Data();
}

Dims ints(const Napi::CallbackInfo& info, size_t index, size_t count) {
  if (index >= info.Length() || !info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(info.Env(), "dims: expected an Int32Array");
  }
  auto view = info[index].As<Napi::Int32Array>();
  if (view.ElementLength() != count) {
    throw Napi::RangeError::New(info.Env(), "dims: expected " + std::to_string(count) + " integers, got " +
                                                std::to_string(view.ElementLength()));
  }
  Dims out(count);
  for (size_t i = 0; i < count; i++) out[i] = view[i];
  return out;
}

std::string keyOf(const char* kind, const Dims& dims) {
  std::string key(kind);
  for (int64_t d : dims) key += ',' + std::to_string(d);
  return key;
}

memory wrap(const memory::desc& md, float* data) { return memory(md, cpuEngine(), data); }

Napi::Value guarded(const Napi::CallbackInfo& info, const std::function<void()>& body) {
  try {
    body();
    cpuStream().wait();
    return Napi::Boolean::New(info.Env(), true);
  } catch (const dnnl::error& e) {
    if (e.status == dnnl_unimplemented || e.status == dnnl_invalid_arguments) {
      return Napi::Boolean::New(info.Env(), false);
    }
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what());
  }
}

// Debian's oneDNN runs on OpenMP. One thread unless asked: the pipeline runs one training process
// per core, and the throughput comparison with PyTorch is per core.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  omp_set_num_threads(n < 1 ? 1 : n);
  return info.Env().Undefined();
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  return Napi::String::New(info.Env(), std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                           std::to_string(v->patch));
}

// The instruction set oneDNN dispatches its kernels for on this CPU. Results are bit-identical
// only under the same one: verifying a committed training elsewhere first compares it.
Napi::Value CpuIsa(const Napi::CallbackInfo& info) {
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return Napi::String::New(info.Env(), "sse41");
    case dnnl_cpu_isa_avx: return Napi::String::New(info.Env(), "avx");
    case dnnl_cpu_isa_avx2: return Napi::String::New(info.Env(), "avx2");
    case dnnl_cpu_isa_avx2_vnni: return Napi::String::New(info.Env(), "avx2_vnni");
    case dnnl_cpu_isa_avx512_mic: return Napi::String::New(info.Env(), "avx512_mic");
    case dnnl_cpu_isa_avx512_mic_4ops: return Napi::String::New(info.Env(), "avx512_mic_4ops");
    case dnnl_cpu_isa_avx512_core: return Napi::String::New(info.Env(), "avx512_core");
    case dnnl_cpu_isa_avx512_core_vnni: return Napi::String::New(info.Env(), "avx512_core_vnni");
    case dnnl_cpu_isa_avx512_core_bf16: return Napi::String::New(info.Env(), "avx512_core_bf16");
    case dnnl_cpu_isa_avx512_core_amx: return Napi::String::New(info.Env(), "avx512_core_amx");
    default: return Napi::String::New(info.Env(), "other");
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  omp_set_num_threads(1);
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("cpuIsa", Napi::Function::New(env, CpuIsa));
  exports.Set("convForward", Napi::Function::New(env, ConvForward));
  exports.Set("convBackwardData", Napi::Function::New(env, ConvBackwardData));
  exports.Set("convBackwardWeights", Napi::Function::New(env, ConvBackwardWeights));
  exports.Set("maxPoolForward", Napi::Function::New(env, MaxPoolForward));
  exports.Set("maxPoolBackward", Napi::Function::New(env, MaxPoolBackward));
  exports.Set("batchNormForward", Napi::Function::New(env, BatchNormForward));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward));
  return exports;
}

}  // namespace fashion

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return fashion::Init(env, exports); }

NODE_API_MODULE(fashion_native, InitModule)
