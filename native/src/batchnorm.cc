// Training-mode BatchNorm (optionally followed by ReLU) and its gradient with oneDNN, the native
// side of the project's FashionBatchNormTrain / FashionBatchNormTrainGrad kernels. Statistics are
// over every axis but the channels (N, H, W of an NHWC tensor; a [rows, C] matrix is passed as
// [rows, 1, 1, C]); the variance is the biased one, as used to normalise.
//
// ReLU: the forward fuses it (oneDNN's fuse_norm_relu). The gradient masks dy with y > 0 itself
// rather than with oneDNN's workspace, which tfjs has no place to keep between the two kernels.
#include <cstring>
#include <memory>
#include <unordered_map>

#include "common.h"

namespace fashion {
namespace {

using dnnl::normalization_flags;

struct Shape {
  int64_t n, h, w, c;
  bool relu;
  explicit Shape(const Dims& d) : n(d[0]), h(d[1]), w(d[2]), c(d[3]), relu(d[4] != 0) {}
  memory::desc data() const { return {{n, c, h, w}, f32, tag::nhwc}; }
  memory::desc channels() const { return {{c}, f32, tag::x}; }
  size_t size() const { return size_t(n * h * w * c); }
};
constexpr size_t kShapeInts = 5;
const normalization_flags kAffine = normalization_flags::use_scale | normalization_flags::use_shift;

std::string keyWithEpsilon(const char* kind, Dims d, float epsilon) {
  int32_t bits;
  std::memcpy(&bits, &epsilon, sizeof bits);
  d.push_back(bits);
  return keyOf(kind, d);
}

struct Forward {
  dnnl::batch_normalization_forward prim;
  memory workspace;  // the fused ReLU's mask; only the forward reads it
  explicit Forward(const dnnl::batch_normalization_forward::primitive_desc& pd, bool relu) : prim(pd) {
    if (relu) workspace = memory(pd.workspace_desc(), cpuEngine());
  }
};

struct Backward {
  dnnl::batch_normalization_backward prim;
  // oneDNN's backward asks for the shift too, though the gradient does not depend on it; tfjs's
  // gradient kernel is not given beta, so it gets zeros.
  std::vector<float> shift;
  Backward(const dnnl::batch_normalization_backward::primitive_desc& pd, size_t channels)
      : prim(pd), shift(channels, 0.f) {}
};

// g = dy where y > 0, else 0. dy is loaded unconditionally so that the compiler turns the choice
// into a vector select: written `y > 0 ? dy : 0` it stays a branch on random signs, 7.4 ms of CPU
// per call on the first Table 2 layer against 0.75 ms (more than oneDNN's whole backward pass).
float* reluMask(const float* dy, const float* y, float* g, size_t total) {
  for (size_t i = 0; i < total; i++) {
    const float d = dy[i];
    g[i] = y[i] > 0.f ? d : 0.f;
  }
  return g;
}

}  // namespace

// batchNormForward(x, gamma, beta, y, mean, variance, dims[5], epsilon) -> false when unsupported.
Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  static std::unordered_map<std::string, std::unique_ptr<Forward>> cache;
  Dims d = ints(info, 6, kShapeInts);
  Shape s(d);
  float epsilon = info[7].As<Napi::Number>().FloatValue();
  size_t c = size_t(s.c);
  float* x = floats(info, 0, s.size(), "x");
  float* gamma = floats(info, 1, c, "gamma");
  float* beta = floats(info, 2, c, "beta");
  float* y = floats(info, 3, s.size(), "y");
  float* mean = floats(info, 4, c, "mean");
  float* variance = floats(info, 5, c, "variance");
  return guarded(info, [&] {
    auto& entry = cache[keyWithEpsilon("bn-fwd", d, epsilon)];
    if (!entry) {
      auto flags = s.relu ? kAffine | normalization_flags::fuse_norm_relu : kAffine;
      dnnl::batch_normalization_forward::desc desc(prop_kind::forward_training, s.data(), epsilon, flags);
      entry = std::make_unique<Forward>(dnnl::batch_normalization_forward::primitive_desc(desc, cpuEngine()), s.relu);
    }
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, wrap(s.data(), x)},           {DNNL_ARG_DST, wrap(s.data(), y)},
        {DNNL_ARG_SCALE, wrap(s.channels(), gamma)}, {DNNL_ARG_SHIFT, wrap(s.channels(), beta)},
        {DNNL_ARG_MEAN, wrap(s.channels(), mean)},   {DNNL_ARG_VARIANCE, wrap(s.channels(), variance)},
    };
    if (s.relu) args.emplace(DNNL_ARG_WORKSPACE, entry->workspace);
    entry->prim.execute(cpuStream(), args);
  });
}

// batchNormBackward(x, dy, y, gamma, mean, variance, dx, dgamma, dbeta, dims[5], epsilon)
//   -> false when unsupported. y is read only for the ReLU mask.
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  static std::unordered_map<std::string, std::unique_ptr<Backward>> cache;
  Dims d = ints(info, 9, kShapeInts);
  Shape s(d);
  float epsilon = info[10].As<Napi::Number>().FloatValue();
  size_t c = size_t(s.c);
  float* x = floats(info, 0, s.size(), "x");
  float* dy = floats(info, 1, s.size(), "dy");
  float* y = floats(info, 2, s.size(), "y");
  float* gamma = floats(info, 3, c, "gamma");
  float* mean = floats(info, 4, c, "mean");
  float* variance = floats(info, 5, c, "variance");
  float* dx = floats(info, 6, s.size(), "dx");
  float* dgamma = floats(info, 7, c, "dgamma");
  float* dbeta = floats(info, 8, c, "dbeta");
  return guarded(info, [&] {
    auto& entry = cache[keyWithEpsilon("bn-bwd", d, epsilon)];
    if (!entry) {
      dnnl::batch_normalization_forward::desc hintDesc(prop_kind::forward_training, s.data(), epsilon, kAffine);
      dnnl::batch_normalization_forward::primitive_desc hint(hintDesc, cpuEngine());
      dnnl::batch_normalization_backward::desc desc(prop_kind::backward, s.data(), s.data(), epsilon, kAffine);
      entry = std::make_unique<Backward>(dnnl::batch_normalization_backward::primitive_desc(desc, cpuEngine(), hint), c);
    }
    // The masked gradient goes into dx, and oneDNN's backward runs in place over it.
    float* g = s.relu ? reluMask(dy, y, dx, s.size()) : dy;
    entry->prim.execute(cpuStream(), {
                                         {DNNL_ARG_SRC, wrap(s.data(), x)},
                                         {DNNL_ARG_DIFF_DST, wrap(s.data(), g)},
                                         {DNNL_ARG_MEAN, wrap(s.channels(), mean)},
                                         {DNNL_ARG_VARIANCE, wrap(s.channels(), variance)},
                                         {DNNL_ARG_SCALE, wrap(s.channels(), gamma)},
                                         {DNNL_ARG_SHIFT, wrap(s.channels(), entry->shift.data())},
                                         {DNNL_ARG_DIFF_SRC, wrap(s.data(), dx)},
                                         {DNNL_ARG_DIFF_SCALE, wrap(s.channels(), dgamma)},
                                         {DNNL_ARG_DIFF_SHIFT, wrap(s.channels(), dbeta)},
                                     });
  });
}

}  // namespace fashion
