// convt1d: the public GPU API. Include this header from CUDA sources.
#pragma once

#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>

#include <cuda/std/type_traits>

#include "problem.hpp"
#include "detail/dispatch.cuh"

namespace convt1d {

// Bytes of workspace (Options::workspace) that conv_transpose1d<T> can use on `problem` with
// Options::math = `math`; 0 where it uses none (invalid problems included). Host-only
// arithmetic: no CUDA call, no device needed. A workspace of this size, or larger, may be reused
// by the calls of one stream, one after the other; calls that may run at the same time (other
// streams) need their own. On tensor cores (__half, __nv_bfloat16, float under kTF32 and
// k3xTF32) it holds a copy of x and of w, rearranged; for exact float and double, packed weights
// on strided layers.
template <class T>
constexpr size_t workspace_size(const Problem& problem, MathMode math = MathMode::kExact) {
  static_assert(detail::is_supported_element_v<T>,
                "convt1d supports float, double, __half and __nv_bfloat16");
  if (validate(problem) != Status::kSuccess || !is_valid(math)) return 0;
  return static_cast<size_t>(detail::workspace_bytes<T>(problem, math));
}

// y = conv_transpose1d(x, w, bias) on `stream`, with PyTorch's semantics (see Problem).
// T is float, double, __half or __nv_bfloat16. bias may be nullptr. All pointers are device
// pointers. options.math chooses how float multiplies (see MathMode); __half and __nv_bfloat16
// use tensor cores, double never does. options.workspace, when given, must hold at least
// workspace_size<T>(problem, options.math) bytes (see Options). Asynchronous: returns once the
// work is queued; never synchronizes, never allocates, so it may be captured into a CUDA graph.
// On any failure before the launch, y is not touched.
template <class T>
Status conv_transpose1d(const Problem& problem, const T* x, const T* w,
                        const cuda::std::type_identity_t<T>* bias, T* y, cudaStream_t stream,
                        const Options& options) {
  static_assert(detail::is_supported_element_v<T>,
                "convt1d supports float, double, __half and __nv_bfloat16");
  if (Status status = validate(problem); status != Status::kSuccess) return status;
  if (!is_valid(options.math)) return Status::kInvalidMathMode;
  const size_t needed = workspace_size<T>(problem, options.math);
  if (options.workspace == nullptr ? options.workspace_bytes != 0
                                   : options.workspace_bytes < needed) {
    return Status::kInvalidWorkspace;
  }
  if (problem.batch == 0) return Status::kSuccess;  // empty output: nothing to launch
  if (x == nullptr || w == nullptr || y == nullptr) return Status::kNullPointer;
  return detail::launch(problem, x, w, bias, y, stream, options);
}

// The same with default Options: exact float.
template <class T>
Status conv_transpose1d(const Problem& problem, const T* x, const T* w,
                        const cuda::std::type_identity_t<T>* bias, T* y,
                        cudaStream_t stream = nullptr) {
  return conv_transpose1d(problem, x, w, bias, y, stream, Options{});
}

}  // namespace convt1d
