// Tensor copies of Hopper's tensor memory accelerator (cp.async.bulk.tensor, sm_90 and later):
// one thread asks for a whole box of a tensor that the host described in a CUtensorMap, the
// copy engine writes it to shared memory (zeros where the box lies outside the tensor, in the
// map's swizzled layout) without passing through any thread's registers or the L1 pipeline, and
// the box's bytes complete the current phase of a shared-memory barrier (mbarrier) that the
// block's threads wait on. kTensorCopies says whether this compilation pass has them; the
// callers keep cp.async (async_copy.cuh) elsewhere.
#pragma once

#include <cstdint>

#include <cuda.h>  // CUtensorMap

namespace convt1d::thread {

// The functions below are declared in every pass (callers name them under
// `if constexpr (kTensorCopies)`); their instructions are emitted for sm_90 and later only.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
#define CONVT1D_TENSOR_COPIES 1
inline constexpr bool kTensorCopies = true;
#else
inline constexpr bool kTensorCopies = false;
#endif

__device__ __forceinline__ uint32_t shared_address(const void* pointer) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(pointer));
}

// Sets up barriers[0, count) for phases of one arrival each (the copying thread's), and makes
// that visible to the copy engine; the block's threads see it after a barrier that follows.
__device__ __forceinline__ void barriers_init(uint64_t* barriers, int count) {
#if defined(CONVT1D_TENSOR_COPIES)
  for (int i = 0; i < count; ++i) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(shared_address(&barriers[i]))
                 : "memory");
  }
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
#endif
}

// The copying thread's arrival on `barrier`, announcing `bytes` bytes of tensor copies that
// complete its phase.
__device__ __forceinline__ void barrier_expect_bytes(uint64_t* barrier, uint32_t bytes) {
#if defined(CONVT1D_TENSOR_COPIES)
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(
                   shared_address(barrier)),
               "r"(bytes)
               : "memory");
#endif
}

// Returns once the phase of `barrier` whose parity is `parity` has completed: its copies have
// landed and are visible to this thread.
__device__ __forceinline__ void barrier_wait(uint64_t* barrier, uint32_t parity) {
#if defined(CONVT1D_TENSOR_COPIES)
  const uint32_t address = shared_address(barrier);
  uint32_t done = 0;
  do {
    asm volatile(
        "{\n.reg .pred complete;\n"
        "mbarrier.try_wait.parity.shared::cta.b64 complete, [%1], %2;\n"
        "selp.u32 %0, 1, 0, complete;\n}\n"
        : "=r"(done)
        : "r"(address), "r"(parity)
        : "memory");
  } while (done == 0);
#endif
}

// Copies the box of the 3-D tensor `map` whose first element has coordinates (c0, c1, c2),
// innermost first, to `destination` (aligned as the map's swizzle asks), its bytes completing
// the current phase of `barrier`. `map` is a kernel parameter (__grid_constant__) or global.
__device__ __forceinline__ void tensor_copy_3d(void* destination, const CUtensorMap* map,
                                               int32_t c0, int32_t c1, int32_t c2,
                                               uint64_t* barrier) {
#if defined(CONVT1D_TENSOR_COPIES)
  asm volatile(
      "cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
      " [%0], [%1, {%2, %3, %4}], [%5];" ::"r"(shared_address(destination)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(c2),
      "r"(shared_address(barrier))
      : "memory");
#endif
}

#undef CONVT1D_TENSOR_COPIES

}  // namespace convt1d::thread
