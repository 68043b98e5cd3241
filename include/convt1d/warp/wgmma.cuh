// Warpgroup-level tensor-core instructions of Hopper (wgmma.mma_async, sm_90a): one instruction
// of a warpgroup (four consecutive warps, 128 threads) multiplies a 64 x 16 A tile (64 x 8 in
// TF32) by a 16 x N B tile (N = 64 or 128), both read by the tensor cores straight from shared
// memory through matrix descriptors, and accumulates into 64 x N floats held in the threads'
// registers. Everything here compiles only for sm_90a (__CUDA_ARCH_FEAT_SM90_ALL); the callers
// fall back to mma.sync elsewhere (block/gemm_math.cuh).
//
// Operand layout: both tiles "K-major" (rows along the reduction: A rows are output channels,
// B rows positions), rows of 128 bytes whose 16-byte chunks are XOR-swizzled by row % 8 (the
// 128-byte swizzle of the tensor cores), groups of 8 rows 1024 bytes apart, the tile starting on
// a 1024-byte boundary: block::RowStage with 8 chunks per row. One instruction reads 32 bytes of
// each row (16 elements of 16 bits, 8 of TF32); the next 32 bytes are the same descriptor with
// its start 32 bytes further.
//
// Accumulators: warp w of the warpgroup holds rows 16 w + g and 16 w + g + 8 (g = lane / 4,
// t = lane % 4); d[4 j + e] is row 16 w + g + 8 (e / 2), column 8 j + 2 t + e % 2: per warp, the
// C fragments of mma.sync m16n8 side by side (warp/mma.cuh).
#pragma once

#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cuda/std/type_traits>

namespace convt1d::warp {

// The shared-memory matrix descriptor of a K-major tile with the 128-byte swizzle, starting at
// `tile` (1024-byte aligned, or 32, 64, 96 bytes past such a start for the later reduction steps
// of a row): start address and stride between 8-row groups (1024 bytes), both in 16-byte units;
// the leading-dimension offset is unused by this layout (set to 1).
__device__ __forceinline__ uint64_t swizzled_tile_descriptor(const void* tile) {
  const auto address = static_cast<uint32_t>(__cvta_generic_to_shared(tile));
  constexpr uint64_t kLeadingOffset = 16 >> 4, kStrideOffset = 1024 >> 4, kSwizzle128 = 1;
  return static_cast<uint64_t>((address & 0x3FFFF) >> 4) | kLeadingOffset << 16 |
         kStrideOffset << 32 | kSwizzle128 << 62;
}

// The descriptor of the tile `bytes` bytes (a multiple of 16) further along its rows.
__device__ __forceinline__ uint64_t advance_descriptor(uint64_t descriptor, int bytes) {
  return descriptor + static_cast<uint64_t>(bytes >> 4);
}

// Makes this thread's earlier shared-memory writes (plain stores and cp.async copies) visible to
// the tensor cores' reads through descriptors (the async proxy). Nothing to order before sm_90.
__device__ __forceinline__ void fence_async_shared() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
#endif
}

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)

// Orders this thread's register and shared-memory accesses before the warpgroup's next wgmma.
__device__ __forceinline__ void wgmma_fence() {
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
}
__device__ __forceinline__ void wgmma_commit() {
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
}
// Returns once at most N of the warpgroup's committed wgmma groups are still running.
template <int N>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(N) : "memory");
}
// Ties the accumulators to this point: no instruction reads or writes them across it. After
// wgmma_wait(), it keeps the compiler from using values the tensor cores had not yet written.
template <int N>
__device__ __forceinline__ void fence_accumulators(float (&d)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) asm volatile("" : "+f"(d[i])::"memory");
}

// The accumulator operands of one wgmma, listed for the inline assembly below.
#define CONVT1D_WGMMA_ACCUMULATORS_32(d) \
  "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), \
  "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), \
  "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), \
  "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
#define CONVT1D_WGMMA_ACCUMULATORS_64(d) \
  "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), \
  "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), \
  "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), \
  "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), \
  "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), \
  "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), \
  "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), \
  "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])

// d += A B for one reduction step: A is the 64-row tile of descriptor `a`, B the N-row tile of
// descriptor `b`; T is __half, __nv_bfloat16 (16 reduction elements) or float (8, as TF32: the
// operands must already be TF32 values, the tensor cores ignore the low mantissa bits).
template <class T, int N>
__device__ __forceinline__ void wgmma(float (&d)[N / 2], uint64_t a, uint64_t b) {
  static_assert(N == 64 || N == 128, "wgmma tiles of 64 or 128 positions");
  if constexpr (cuda::std::is_same_v<T, __half> && N == 64) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31"
        "}, %32, %33, p, 1, 1, 0, 0;\n}\n"
        : CONVT1D_WGMMA_ACCUMULATORS_32(d)
        : "l"(a), "l"(b));
  } else if constexpr (cuda::std::is_same_v<T, __half> && N == 128) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31,"
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47,"
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
        "}, %64, %65, p, 1, 1, 0, 0;\n}\n"
        : CONVT1D_WGMMA_ACCUMULATORS_64(d)
        : "l"(a), "l"(b));
  } else if constexpr (cuda::std::is_same_v<T, __nv_bfloat16> && N == 64) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31"
        "}, %32, %33, p, 1, 1, 0, 0;\n}\n"
        : CONVT1D_WGMMA_ACCUMULATORS_32(d)
        : "l"(a), "l"(b));
  } else if constexpr (cuda::std::is_same_v<T, __nv_bfloat16> && N == 128) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31,"
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47,"
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
        "}, %64, %65, p, 1, 1, 0, 0;\n}\n"
        : CONVT1D_WGMMA_ACCUMULATORS_64(d)
        : "l"(a), "l"(b));
  } else if constexpr (cuda::std::is_same_v<T, float> && N == 64) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n64k8.f32.tf32.tf32 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31"
        "}, %32, %33, p, 1, 1;\n}\n"
        : CONVT1D_WGMMA_ACCUMULATORS_32(d)
        : "l"(a), "l"(b));
  } else if constexpr (cuda::std::is_same_v<T, float> && N == 128) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k8.f32.tf32.tf32 {"
        "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15,"
        "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31,"
        "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47,"
        "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"
        "}, %64, %65, p, 1, 1;\n}\n"
        : CONVT1D_WGMMA_ACCUMULATORS_64(d)
        : "l"(a), "l"(b));
  } else {
    static_assert(cuda::std::is_same_v<T, __half> || cuda::std::is_same_v<T, __nv_bfloat16> ||
                      cuda::std::is_same_v<T, float>,
                  "wgmma operands are __half, __nv_bfloat16 or TF32 floats");
  }
}

#undef CONVT1D_WGMMA_ACCUMULATORS_32
#undef CONVT1D_WGMMA_ACCUMULATORS_64

#endif  // __CUDA_ARCH_FEAT_SM90_ALL

}  // namespace convt1d::warp
