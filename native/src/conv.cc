// Convolution forward, input gradient and filter gradient with oneDNN, on NHWC activations and
// tfjs's [KH, KW, Ci, Co] (hwio) filters. The weights' layout inside each primitive is left to
// oneDNN (format_tag::any): with plain hwio weights it picks a gemm implementation about twice as
// slow as the blocked-weights one it picks otherwise, and reordering the small filter per call
// costs little. Primitives are built once per shape and kept (building one takes far longer than
// running it at these sizes).
#include <memory>
#include <unordered_map>

#include "common.h"

namespace fashion {
namespace {

// The integers every convolution call passes, in this order (attributes from tfjs's conv info).
struct Shape {
  int64_t n, h, w, c, oc, kh, kw, oh, ow, sh, sw, dh, dw, pt, pb, pl, pr;
  explicit Shape(const Dims& d)
      : n(d[0]), h(d[1]), w(d[2]), c(d[3]), oc(d[4]), kh(d[5]), kw(d[6]), oh(d[7]), ow(d[8]), sh(d[9]),
        sw(d[10]), dh(d[11]), dw(d[12]), pt(d[13]), pb(d[14]), pl(d[15]), pr(d[16]) {}
  memory::desc src() const { return {{n, c, h, w}, f32, tag::nhwc}; }
  memory::desc dst() const { return {{n, oc, oh, ow}, f32, tag::nhwc}; }
  memory::desc userWeights() const { return {{oc, c, kh, kw}, f32, tag::hwio}; }
  memory::desc anyWeights() const { return {{oc, c, kh, kw}, f32, tag::any}; }
  size_t srcSize() const { return size_t(n * h * w * c); }
  size_t dstSize() const { return size_t(n * oh * ow * oc); }
  size_t weightsSize() const { return size_t(kh * kw * c * oc); }
  // tfjs counts dilation from 1 (1 = dense); oneDNN from 0.
  memory::dims dilates() const { return {dh - 1, dw - 1}; }
  dnnl::convolution_forward::desc forwardDesc(bool bias) const {
    if (bias) {
      return {prop_kind::forward_training, algorithm::convolution_direct, src(), anyWeights(),
              memory::desc({oc}, f32, tag::x), dst(), {sh, sw}, dilates(), {pt, pl}, {pb, pr}};
    }
    return {prop_kind::forward_training, algorithm::convolution_direct, src(), anyWeights(), dst(), {sh, sw},
            dilates(), {pt, pl}, {pb, pr}};
  }
};
constexpr size_t kShapeInts = 17;

// A reorder between a caller's memory and a buffer the primitive owns (its weights layout).
struct Reorder {
  bool needed = false;
  memory owned;
  dnnl::reorder prim;
  Reorder(const memory::desc& from, const memory::desc& to) : needed(from != to) {
    if (!needed) return;
    owned = memory(to, cpuEngine());
    prim = dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), from, cpuEngine(), to));
  }
};

struct Forward {
  dnnl::convolution_forward prim;
  Reorder toPrimitive;
  Forward(const dnnl::convolution_forward::primitive_desc& pd, const memory::desc& user)
      : prim(pd), toPrimitive(user, pd.weights_desc()) {}
};

struct BackwardData {
  dnnl::convolution_backward_data prim;
  Reorder toPrimitive;
  BackwardData(const dnnl::convolution_backward_data::primitive_desc& pd, const memory::desc& user)
      : prim(pd), toPrimitive(user, pd.weights_desc()) {}
};

struct BackwardWeights {
  dnnl::convolution_backward_weights prim;
  memory::desc diffWeights;
  memory scratch;  // the gradient in the primitive's layout, when that is not hwio
  dnnl::reorder toUser;
  bool reorder;
  BackwardWeights(const dnnl::convolution_backward_weights::primitive_desc& pd, const memory::desc& user)
      : prim(pd), diffWeights(pd.diff_weights_desc()), reorder(pd.diff_weights_desc() != user) {
    if (!reorder) return;
    scratch = memory(diffWeights, cpuEngine());
    toUser = dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), diffWeights, cpuEngine(), user));
  }
};

template <typename T>
using Cache = std::unordered_map<std::string, std::unique_ptr<T>>;

// The weights as the primitive wants them: the caller's hwio data, or a reordered copy.
memory primitiveWeights(Reorder& r, const memory::desc& user, float* data) {
  memory userMem = wrap(user, data);
  if (!r.needed) return userMem;
  r.prim.execute(cpuStream(), userMem, r.owned);
  return r.owned;
}

}  // namespace

// convForward(x, filter, bias | null, y, dims[17 + hasBias + relu]) -> false when unsupported.
Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  static Cache<Forward> cache;
  Dims d = ints(info, 4, kShapeInts + 2);
  Shape s(d);
  bool hasBias = d[kShapeInts] != 0;
  bool relu = d[kShapeInts + 1] != 0;
  float* x = floats(info, 0, s.srcSize(), "x");
  float* filter = floats(info, 1, s.weightsSize(), "filter");
  float* bias = hasBias ? floats(info, 2, size_t(s.oc), "bias") : nullptr;
  float* y = floats(info, 3, s.dstSize(), "y");
  return guarded(info, [&] {
    auto& entry = cache[keyOf("fwd", d)];
    if (!entry) {
      dnnl::primitive_attr attr;
      if (relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
        attr.set_post_ops(ops);
      }
      dnnl::convolution_forward::primitive_desc pd(s.forwardDesc(hasBias), attr, cpuEngine());
      entry = std::make_unique<Forward>(pd, s.userWeights());
    }
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, wrap(s.src(), x)},
        {DNNL_ARG_WEIGHTS, primitiveWeights(entry->toPrimitive, s.userWeights(), filter)},
        {DNNL_ARG_DST, wrap(s.dst(), y)},
    };
    if (hasBias) args.emplace(DNNL_ARG_BIAS, wrap(memory::desc({s.oc}, f32, tag::x), bias));
    entry->prim.execute(cpuStream(), args);
  });
}

// convBackwardData(dy, filter, dx, dims[17]) -> false when unsupported.
Napi::Value ConvBackwardData(const Napi::CallbackInfo& info) {
  static Cache<BackwardData> cache;
  Dims d = ints(info, 3, kShapeInts);
  Shape s(d);
  float* dy = floats(info, 0, s.dstSize(), "dy");
  float* filter = floats(info, 1, s.weightsSize(), "filter");
  float* dx = floats(info, 2, s.srcSize(), "dx");
  return guarded(info, [&] {
    auto& entry = cache[keyOf("bwd-data", d)];
    if (!entry) {
      dnnl::convolution_forward::primitive_desc hint(s.forwardDesc(false), cpuEngine());
      dnnl::convolution_backward_data::desc desc(algorithm::convolution_direct, s.src(), s.anyWeights(), s.dst(),
                                                 {s.sh, s.sw}, s.dilates(), {s.pt, s.pl}, {s.pb, s.pr});
      entry = std::make_unique<BackwardData>(dnnl::convolution_backward_data::primitive_desc(desc, cpuEngine(), hint),
                                             s.userWeights());
    }
    entry->prim.execute(cpuStream(), {
                                         {DNNL_ARG_DIFF_DST, wrap(s.dst(), dy)},
                                         {DNNL_ARG_WEIGHTS, primitiveWeights(entry->toPrimitive, s.userWeights(), filter)},
                                         {DNNL_ARG_DIFF_SRC, wrap(s.src(), dx)},
                                     });
  });
}

// convBackwardWeights(x, dy, dw, dims[17]) -> false when unsupported.
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo& info) {
  static Cache<BackwardWeights> cache;
  Dims d = ints(info, 3, kShapeInts);
  Shape s(d);
  float* x = floats(info, 0, s.srcSize(), "x");
  float* dy = floats(info, 1, s.dstSize(), "dy");
  float* dw = floats(info, 2, s.weightsSize(), "dw");
  return guarded(info, [&] {
    auto& entry = cache[keyOf("bwd-weights", d)];
    if (!entry) {
      dnnl::convolution_forward::primitive_desc hint(s.forwardDesc(false), cpuEngine());
      dnnl::convolution_backward_weights::desc desc(algorithm::convolution_direct, s.src(), s.anyWeights(), s.dst(),
                                                    {s.sh, s.sw}, s.dilates(), {s.pt, s.pl}, {s.pb, s.pr});
      entry = std::make_unique<BackwardWeights>(
          dnnl::convolution_backward_weights::primitive_desc(desc, cpuEngine(), hint), s.userWeights());
    }
    memory user = wrap(s.userWeights(), dw);
    entry->prim.execute(cpuStream(), {
                                         {DNNL_ARG_SRC, wrap(s.src(), x)},
                                         {DNNL_ARG_DIFF_DST, wrap(s.dst(), dy)},
                                         {DNNL_ARG_DIFF_WEIGHTS, entry->reorder ? entry->scratch : user},
                                     });
    if (entry->reorder) entry->toUser.execute(cpuStream(), entry->scratch, user);
  });
}

}  // namespace fashion
