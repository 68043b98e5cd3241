// The CUDA half of the PyTorch binding (see convt1d_torch_launch.h): typed calls of the library.
#include "convt1d_torch_launch.h"

#include <convt1d/convt1d.cuh>

namespace convt1d_torch {
namespace {

template <class T>
convt1d::Status launch_typed(const convt1d::Problem& problem, const void* x, const void* weight,
                             const void* bias, void* y, cudaStream_t stream,
                             const convt1d::Options& options) {
  return convt1d::conv_transpose1d<T>(problem, static_cast<const T*>(x),
                                      static_cast<const T*>(weight), static_cast<const T*>(bias),
                                      static_cast<T*>(y), stream, options);
}

}  // namespace

size_t workspace_size(const convt1d::Problem& problem, Element element, convt1d::MathMode math) {
  switch (element) {
    case Element::kFloat32: return convt1d::workspace_size<float>(problem, math);
    case Element::kFloat16: return convt1d::workspace_size<__half>(problem, math);
    case Element::kBFloat16: return convt1d::workspace_size<__nv_bfloat16>(problem, math);
  }
  return 0;
}

// torch's c10::Half and c10::BFloat16 are one 16-bit value each, bit-compatible with __half and
// __nv_bfloat16, so their storage is passed through as it is.
convt1d::Status launch(const convt1d::Problem& problem, Element element, const void* x,
                       const void* weight, const void* bias, void* y, cudaStream_t stream,
                       const convt1d::Options& options) {
  switch (element) {
    case Element::kFloat32:
      return launch_typed<float>(problem, x, weight, bias, y, stream, options);
    case Element::kFloat16:
      return launch_typed<__half>(problem, x, weight, bias, y, stream, options);
    case Element::kBFloat16:
      return launch_typed<__nv_bfloat16>(problem, x, weight, bias, y, stream, options);
  }
  return convt1d::make_cuda_status(cudaErrorInvalidValue);  // not an Element
}

}  // namespace convt1d_torch
