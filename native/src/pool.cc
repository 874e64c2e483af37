// Max-pooling forward and its gradient with oneDNN on NHWC tensors. tfjs's MaxPoolGrad receives
// the forward's input and output but not oneDNN's workspace (where each window's maximum was), so
// the gradient runs the training forward again into buffers of its own first: at these sizes
// that costs a fraction of the backward pass, and keeps the tfjs kernel interface unchanged.
// Both sides pick the first maximum of a window in row-major order and never a padded position,
// as the cpu backend does (tested with ties).
#include <memory>
#include <unordered_map>

#include "common.h"

namespace fashion {
namespace {

struct Shape {
  int64_t n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pb, pl, pr;
  explicit Shape(const Dims& d)
      : n(d[0]), h(d[1]), w(d[2]), c(d[3]), oh(d[4]), ow(d[5]), kh(d[6]), kw(d[7]), sh(d[8]), sw(d[9]),
        pt(d[10]), pb(d[11]), pl(d[12]), pr(d[13]) {}
  memory::desc src() const { return {{n, c, h, w}, f32, tag::nhwc}; }
  memory::desc dst() const { return {{n, c, oh, ow}, f32, tag::nhwc}; }
  size_t srcSize() const { return size_t(n * h * w * c); }
  size_t dstSize() const { return size_t(n * oh * ow * c); }
  dnnl::pooling_forward::desc forward(prop_kind kind) const {
    return {kind, algorithm::pooling_max, src(), dst(), {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr}};
  }
};
constexpr size_t kShapeInts = 14;

struct Backward {
  dnnl::pooling_forward forward;
  dnnl::pooling_backward backward;
  memory y;          // the recomputed forward output (discarded)
  memory workspace;  // where each window's maximum is, for the backward pass
  Backward(const dnnl::pooling_forward::primitive_desc& fwd, const dnnl::pooling_backward::primitive_desc& bwd)
      : forward(fwd), backward(bwd), y(fwd.dst_desc(), cpuEngine()), workspace(fwd.workspace_desc(), cpuEngine()) {}
};

}  // namespace

// maxPoolForward(x, y, dims[14]) -> false when unsupported.
Napi::Value MaxPoolForward(const Napi::CallbackInfo& info) {
  static std::unordered_map<std::string, std::unique_ptr<dnnl::pooling_forward>> cache;
  Dims d = ints(info, 2, kShapeInts);
  Shape s(d);
  float* x = floats(info, 0, s.srcSize(), "x");
  float* y = floats(info, 1, s.dstSize(), "y");
  return guarded(info, [&] {
    auto& prim = cache[keyOf("pool-fwd", d)];
    if (!prim) {
      prim = std::make_unique<dnnl::pooling_forward>(
          dnnl::pooling_forward::primitive_desc(s.forward(prop_kind::forward_inference), cpuEngine()));
    }
    prim->execute(cpuStream(), {{DNNL_ARG_SRC, wrap(s.src(), x)}, {DNNL_ARG_DST, wrap(s.dst(), y)}});
  });
}

// maxPoolBackward(x, dy, dx, dims[14]) -> false when unsupported.
Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info) {
  static std::unordered_map<std::string, std::unique_ptr<Backward>> cache;
  Dims d = ints(info, 3, kShapeInts);
  Shape s(d);
  float* x = floats(info, 0, s.srcSize(), "x");
  float* dy = floats(info, 1, s.dstSize(), "dy");
  float* dx = floats(info, 2, s.srcSize(), "dx");
  return guarded(info, [&] {
    auto& entry = cache[keyOf("pool-bwd", d)];
    if (!entry) {
      dnnl::pooling_forward::primitive_desc fwd(s.forward(prop_kind::forward_training), cpuEngine());
      dnnl::pooling_backward::desc desc(algorithm::pooling_max, s.src(), s.dst(), {s.sh, s.sw}, {s.kh, s.kw},
                                        {s.pt, s.pl}, {s.pb, s.pr});
      entry = std::make_unique<Backward>(fwd, dnnl::pooling_backward::primitive_desc(desc, cpuEngine(), fwd));
    }
    entry->forward.execute(cpuStream(), {{DNNL_ARG_SRC, wrap(s.src(), x)},
                                         {DNNL_ARG_DST, entry->y},
                                         {DNNL_ARG_WORKSPACE, entry->workspace}});
    entry->backward.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, wrap(s.dst(), dy)},
                                          {DNNL_ARG_DIFF_SRC, wrap(s.src(), dx)},
                                          {DNNL_ARG_WORKSPACE, entry->workspace}});
  });
}

}  // namespace fashion
