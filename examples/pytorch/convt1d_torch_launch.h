// The seam between the two halves of the PyTorch binding. convt1d_torch.cpp (host compiler, torch
// headers) checks every argument and raises the errors; convt1d_torch_launch.cu (nvcc, no torch
// headers) only calls the library. Exceptions are thrown from host-compiled code alone.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

#include <convt1d/problem.hpp>

namespace convt1d_torch {

// The element types the binding is compiled for; float64 is left out to keep the build short.
enum class Element { kFloat32, kFloat16, kBFloat16 };

// convt1d::workspace_size for `element` and `math`: bytes of scratch memory the call can use
// (0: none).
size_t workspace_size(const convt1d::Problem& problem, Element element, convt1d::MathMode math);

// convt1d::conv_transpose1d on raw device pointers of `element`; bias may be null.
convt1d::Status launch(const convt1d::Problem& problem, Element element, const void* x,
                       const void* weight, const void* bias, void* y, cudaStream_t stream,
                       const convt1d::Options& options);

}  // namespace convt1d_torch
