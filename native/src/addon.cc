// Entry point of the native backend: oneDNN kernels that tfjs calls on the wasm backend's heap.
#include <omp.h>
#include <algorithm>
#include <ctime>
#include <vector>

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

// The core's practical ceiling for our convolutions: oneDNN's own single-precision GEMM on an
// n x n x n problem, best of `repeats` timed calls after one warm-up, in GFLOP per CPU-second of
// this process (2 n^3 per call; CPU time, like bench:train's images per CPU-second, so a shared
// machine disturbs it less than the wall clock). bench:train states every backend's training
// rate as a share of it.
Napi::Value SgemmGflops(const Napi::CallbackInfo& info) {
  const dnnl_dim_t n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : 1024;
  const int repeats = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 5;
  if (n < 16 || n > 8192 || repeats < 1) throw Napi::RangeError::New(info.Env(), "sgemmGflops(n in 16..8192, repeats >= 1)");
  std::vector<float> a(n * n), b(n * n), c(n * n);
  for (dnnl_dim_t i = 0; i < n * n; i++) {
    a[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
    b[i] = static_cast<float>((i * 104729) % 1000) / 1000.0f - 0.5f;
  }
  double best = 0;
  for (int r = 0; r <= repeats; r++) {
    timespec t0{}, t1{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    if (dnnl_sgemm('N', 'N', n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n) != dnnl_success) {
      throw Napi::Error::New(info.Env(), "oneDNN: dnnl_sgemm failed");
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    const double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (r > 0) best = std::max(best, 2.0 * n * n * n / s / 1e9);  // the first call warms up
  }
  return Napi::Number::New(info.Env(), best);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  omp_set_num_threads(1);
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("version", Napi::Function::New(env, Version));
  exports.Set("cpuIsa", Napi::Function::New(env, CpuIsa));
  exports.Set("sgemmGflops", Napi::Function::New(env, SgemmGflops));
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
