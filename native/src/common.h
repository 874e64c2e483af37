// Shared helpers of the addon: the oneDNN engine and stream, and checked access to the float32
// views that JS hands in (views into the wasm backend's heap, so kernels work in place).
#pragma once
#include <napi.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fashion {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using tag = memory::format_tag;
using Dims = std::vector<int64_t>;
constexpr auto f32 = memory::data_type::f32;

dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

// The data pointer of argument `index`, a Float32Array that must hold exactly `expected` floats:
// a length that does not match the shape is a bug on the JS side and must never reach oneDNN,
// which would read or write past the tensor.
float* floats(const Napi::CallbackInfo& info, size_t index, size_t expected, const char* what);

// Argument `index`, an Int32Array of exactly `count` integers (shapes and attributes).
Dims ints(const Napi::CallbackInfo& info, size_t index, size_t count);

// A cache key for a primitive: its kind and every integer that shapes it.
std::string keyOf(const char* kind, const Dims& dims);

// A memory object over caller-owned data (no copy).
memory wrap(const memory::desc& md, float* data);

// Runs `body`. A configuration oneDNN has no implementation for (or refuses as inconsistent)
// returns false, so that the JS side runs the wasm kernel instead; any other oneDNN error becomes
// a JS exception with oneDNN's message.
Napi::Value guarded(const Napi::CallbackInfo& info, const std::function<void()>& body);

Napi::Value ConvForward(const Napi::CallbackInfo& info);
Napi::Value ConvBackwardData(const Napi::CallbackInfo& info);
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo& info);
Napi::Value MaxPoolForward(const Napi::CallbackInfo& info);
Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info);
Napi::Value BatchNormForward(const Napi::CallbackInfo& info);
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info);

}  // namespace fashion
