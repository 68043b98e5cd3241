// What every convt1d kernel reads: the tensors and the problem's sizes, precomputed on the host.
#pragma once

#include <cstdint>

#include "../detail/phase.hpp"
#include "../problem.hpp"

namespace convt1d::kernel {

template <class T>
struct ConvParams {
  const T* x = nullptr;
  const T* w = nullptr;
  const T* bias = nullptr;  // may be null
  T* y = nullptr;
  int64_t batch = 0, in_channels = 0, out_channels = 0, in_length = 0, out_length = 0;
  int64_t groups = 1, in_per_group = 0, out_per_group = 0, kernel_size = 0;
  detail::PhaseGeometry geometry;

  static ConvParams from(const Problem& p, const T* x, const T* w, const T* bias, T* y) {
    ConvParams params;
    params.x = x;
    params.w = w;
    params.bias = bias;
    params.y = y;
    params.batch = p.batch;
    params.in_channels = p.in_channels;
    params.out_channels = p.out_channels;
    params.in_length = p.in_length;
    params.out_length = output_length(p);
    params.groups = p.groups;
    params.in_per_group = p.in_channels / p.groups;
    params.out_per_group = p.out_channels / p.groups;
    params.kernel_size = p.kernel_size;
    params.geometry = detail::PhaseGeometry::from(p);
    return params;
  }
};

}  // namespace convt1d::kernel
