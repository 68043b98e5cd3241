// Element types: which ones the library supports, and the type each one accumulates in.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cuda/std/type_traits>

namespace convt1d::detail {

template <class T>
inline constexpr bool is_supported_element_v =
    cuda::std::is_same_v<T, float> || cuda::std::is_same_v<T, double> ||
    cuda::std::is_same_v<T, __half> || cuda::std::is_same_v<T, __nv_bfloat16>;

// double accumulates in double; float, __half and __nv_bfloat16 accumulate in float.
template <class T>
using accumulator_t = cuda::std::conditional_t<cuda::std::is_same_v<T, double>, double, float>;

template <class T>
__device__ __forceinline__ accumulator_t<T> to_accumulator(T value) {
  if constexpr (cuda::std::is_same_v<T, __half>) {
    return __half2float(value);
  } else if constexpr (cuda::std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(value);
  } else {
    return value;
  }
}

template <class T>
__device__ __forceinline__ T from_accumulator(accumulator_t<T> value) {
  if constexpr (cuda::std::is_same_v<T, __half>) {
    return __float2half_rn(value);
  } else if constexpr (cuda::std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(value);
  } else {
    return value;
  }
}

// first and second into address[0] and address[1] with one store; `address` is aligned to
// 2 * sizeof(T).
template <class T>
__device__ __forceinline__ void store_pair(T* address, T first, T second) {
  if constexpr (sizeof(T) == 2) {
    unsigned short low = 0, high = 0;
    memcpy(&low, &first, sizeof(T));
    memcpy(&high, &second, sizeof(T));
    *reinterpret_cast<unsigned int*>(address) = low | static_cast<unsigned int>(high) << 16;
  } else if constexpr (cuda::std::is_same_v<T, float>) {
    *reinterpret_cast<float2*>(address) = make_float2(first, second);
  } else {
    static_assert(cuda::std::is_same_v<T, double>, "16-bit, float or double elements");
    *reinterpret_cast<double2*>(address) = make_double2(first, second);
  }
}

// Read-only global load through the non-coherent cache, converted to the accumulator type.
template <class T>
__device__ __forceinline__ accumulator_t<T> load_as_accumulator(const T* address) {
  return to_accumulator(__ldg(address));
}

}  // namespace convt1d::detail
