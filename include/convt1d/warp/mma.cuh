// Warp-level tensor-core instructions (mma.sync, sm_80 and later) as policies of the phase-GEMM
// kernel. Each policy says how staged elements become 32-bit shared-memory words (kPack
// elements per word; kCopyAsync where a word is one element as it is, so that the kernel can copy
// it with cp.async), how a word becomes the operand registers of an MMA (kParts of them), and
// how one 16 x 8 accumulator fragment is updated from one A and one B fragment.
//
// Fragment layouts, with g = lane / 4 and t = lane % 4, in shared-memory words (a word row is one
// reduction step of 1 TF32 value or of 2 consecutive 16-bit values):
//   A (16 rows x 8 words): a0 = (row g, word t), a1 = (g + 8, t), a2 = (g, t + 4), a3 = (g + 8, t + 4)
//   B (8 words x 8 columns): b0 = (word t, column g), b1 = (word t + 4, column g)
//   C (16 x 8, float): c0 = (g, 2t), c1 = (g, 2t + 1), c2 = (g + 8, 2t), c3 = (g + 8, 2t + 1)
// m16n8k8 TF32 and m16n8k16 FP16/BF16 share them word for word, so one tile loop serves all.
#pragma once

#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cuda/std/type_traits>

namespace convt1d::warp {

// x rounded to the nearest TF32 value (ties away from zero), as the bits of a float.
__device__ __forceinline__ uint32_t round_to_tf32(float x) {
  uint32_t bits;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(bits) : "f"(x));
  return bits;
}

__device__ __forceinline__ void mma_tf32(float (&c)[4], const uint32_t (&a)[4],
                                         const uint32_t (&b)[2]) {
  asm volatile(
      "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// Four 8 x 8 matrices of 16-bit elements (or 8 x 4 of 32-bit ones) from shared memory, one per
// register: lane l gives the address of row l % 8 of matrix l / 8 (16 contiguous bytes, 16-byte
// aligned), and receives word l % 4 of row l / 4 of each matrix, which is where an MMA operand
// fragment wants it when the matrix's rows run along the reduction.
__device__ __forceinline__ void load_matrices(const void* row, uint32_t (&r)[4]) {
  const auto address = static_cast<uint32_t>(__cvta_generic_to_shared(row));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

// TF32: operands rounded once, to the nearest TF32 value, when they are written to shared memory.
// Register-staged (the rounding happens on the way), which measured faster than copying the
// floats asynchronously and rounding each fragment (docs/tuning.md, T3).
struct Tf32Mma {
  using Staged = float;
  static constexpr int kPack = 1;
  static constexpr int kParts = 1;
  static constexpr bool kCopyAsync = false;

  __device__ __forceinline__ static uint32_t pack(const float (&values)[1]) {
    return round_to_tf32(values[0]);
  }
  __device__ __forceinline__ static void split(uint32_t word, uint32_t (&parts)[1]) {
    parts[0] = word;
  }
  __device__ __forceinline__ static void mma(float (&c)[4], const uint32_t (&a)[1][4],
                                             const uint32_t (&b)[1][2]) {
    mma_tf32(c, a[0], b[0]);
  }
};

// 3xTF32: shared memory holds the floats as they are (copied asynchronously); each operand is
// split when it enters registers into big = tf32(x) and small = tf32(x - big) (x - big is exact
// in float), and
// a * b ~ big_a * big_b + big_a * small_b + small_a * big_b, the small terms first.
struct Tf32x3Mma {
  using Staged = float;
  static constexpr int kPack = 1;
  static constexpr int kParts = 2;
  static constexpr bool kCopyAsync = true;

  __device__ __forceinline__ static uint32_t pack(const float (&values)[1]) {
    return __float_as_uint(values[0]);
  }
  __device__ __forceinline__ static void split(uint32_t word, uint32_t (&parts)[2]) {
    const float x = __uint_as_float(word);
    parts[0] = round_to_tf32(x);
    parts[1] = round_to_tf32(x - __uint_as_float(parts[0]));
  }
  __device__ __forceinline__ static void mma(float (&c)[4], const uint32_t (&a)[2][4],
                                             const uint32_t (&b)[2][2]) {
    mma_tf32(c, a[1], b[0]);
    mma_tf32(c, a[0], b[1]);
    mma_tf32(c, a[0], b[0]);
  }
};

// FP16 and BF16: a word packs two consecutive reduction elements, the lower one in the low half.
template <class T>
struct Half16Mma {
  static_assert(cuda::std::is_same_v<T, __half> || cuda::std::is_same_v<T, __nv_bfloat16>,
                "16-bit MMA operands are __half or __nv_bfloat16");
  using Staged = T;
  static constexpr int kPack = 2;
  static constexpr int kParts = 1;
  static constexpr bool kCopyAsync = false;  // a word pairs elements of two rows

  __device__ __forceinline__ static uint32_t pack(const T (&values)[2]) {
    const uint32_t low = bits_of(values[0]);
    const uint32_t high = bits_of(values[1]);
    return low | (high << 16);
  }
  __device__ __forceinline__ static void split(uint32_t word, uint32_t (&parts)[1]) {
    parts[0] = word;
  }
  __device__ __forceinline__ static void mma(float (&c)[4], const uint32_t (&a)[1][4],
                                             const uint32_t (&b)[1][2]) {
    if constexpr (cuda::std::is_same_v<T, __half>) {
      asm volatile(
          "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, "
          "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
          : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
          : "r"(a[0][0]), "r"(a[0][1]), "r"(a[0][2]), "r"(a[0][3]), "r"(b[0][0]), "r"(b[0][1]));
    } else {
      asm volatile(
          "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, "
          "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
          : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
          : "r"(a[0][0]), "r"(a[0][1]), "r"(a[0][2]), "r"(a[0][3]), "r"(b[0][0]), "r"(b[0][1]));
    }
  }

 private:
  __device__ __forceinline__ static uint32_t bits_of(T value) {
    if constexpr (cuda::std::is_same_v<T, __half>) {
      return __half_as_ushort(value);
    } else {
      return __bfloat16_as_ushort(value);
    }
  }
};

}  // namespace convt1d::warp
