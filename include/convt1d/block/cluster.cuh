// Thread-block clusters (sm_90 and later): a barrier of all the cluster's blocks, and the
// address of a variable in another block's shared memory (distributed shared memory), for the
// phase-interleaving epilogue of the rows kernel (kernel/gemm_kernel.cuh). kClusters says
// whether this compilation has them; where it does not, neither function may be called.
#pragma once

#include <cstdint>

namespace convt1d::block {

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
inline constexpr bool kClusters = true;
#else
inline constexpr bool kClusters = false;
#endif

// Returns once every thread of every block of the cluster has arrived. Shared-memory writes
// made before it, by any block, are visible after it to every block (release, then acquire).
__device__ __forceinline__ void cluster_barrier() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile(
      "barrier.cluster.arrive.release.aligned;\n"
      "barrier.cluster.wait.acquire.aligned;" ::
          : "memory");
#endif
}

// The generic address of `local`'s counterpart (same offset in the dynamic shared memory) in
// the shared memory of the cluster's block `rank`; read it like any pointer.
template <class T>
__device__ __forceinline__ const T* cluster_peer(const T* local, int rank) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  uint64_t peer = 0;
  asm("mapa.u64 %0, %1, %2;" : "=l"(peer) : "l"(reinterpret_cast<uint64_t>(local)), "r"(rank));
  return reinterpret_cast<const T*>(peer);
#else
  (void)rank;
  return local;
#endif
}

}  // namespace convt1d::block
