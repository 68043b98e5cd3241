// convt1d: the CPU reference. Host-only.
//
// Written in the scatter form, the most direct statement of the operator: every input element
// x[n, ci, t] adds x * w[ci, co_local, k] into y[n, co, t * stride - padding + k * dilation] when
// that position lies inside the output. Accumulates in double whatever the element type.
//
// The element type T may be float, double, or any type with conversions to and from float
// (__half and __nv_bfloat16 from CUDA's headers: include them before this one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "problem.hpp"

namespace convt1d::reference {

namespace detail {

template <class T>
double to_double(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<double>(value);
  } else {
    return static_cast<double>(static_cast<float>(value));
  }
}

// Keeps a parameter out of template argument deduction, so that a bare nullptr bias works.
template <class T>
struct type_identity {
  using type = T;
};
template <class T>
using type_identity_t = typename type_identity<T>::type;

template <class T>
T from_double(double value) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(value);
  } else {
    return T(static_cast<float>(value));
  }
}

}  // namespace detail

// y = conv_transpose1d(x, w, bias). bias may be nullptr. On a failed validation y is untouched.
template <class T>
Status conv_transpose1d(const Problem& p, const T* x, const T* w,
                        const detail::type_identity_t<T>* bias, T* y) {
  if (Status status = validate(p); status != Status::kSuccess) return status;
  if (p.batch == 0) return Status::kSuccess;
  const int64_t out_length = output_length(p);
  const int64_t in_per_group = p.in_channels / p.groups;
  const int64_t out_per_group = p.out_channels / p.groups;

  std::vector<double> acc(static_cast<std::size_t>(p.out_channels * out_length));
  for (int64_t n = 0; n < p.batch; ++n) {
    for (int64_t co = 0; co < p.out_channels; ++co) {
      const double b = bias ? detail::to_double(bias[co]) : 0.0;
      for (int64_t j = 0; j < out_length; ++j) acc[co * out_length + j] = b;
    }
    for (int64_t ci = 0; ci < p.in_channels; ++ci) {
      const int64_t group = ci / in_per_group;
      const T* x_row = x + (n * p.in_channels + ci) * p.in_length;
      for (int64_t co_local = 0; co_local < out_per_group; ++co_local) {
        const int64_t co = group * out_per_group + co_local;
        const T* w_row = w + (ci * out_per_group + co_local) * p.kernel_size;
        double* acc_row = acc.data() + co * out_length;
        for (int64_t t = 0; t < p.in_length; ++t) {
          const double xv = detail::to_double(x_row[t]);
          for (int64_t k = 0; k < p.kernel_size; ++k) {
            const int64_t j = t * p.stride - p.padding + k * p.dilation;
            if (j >= 0 && j < out_length) acc_row[j] += xv * detail::to_double(w_row[k]);
          }
        }
      }
    }
    T* y_batch = y + n * p.out_channels * out_length;
    for (int64_t i = 0; i < p.out_channels * out_length; ++i) {
      y_batch[i] = detail::from_double<T>(acc[i]);
    }
  }
  return Status::kSuccess;
}

}  // namespace convt1d::reference
