// convt1d bench: the cuDNN baseline, a transposed 1D convolution through cuDNN's legacy API.
//
// conv_transpose1d(x, w) is the data gradient of the forward convolution that maps y to x, so it
// runs as cudnnConvolutionBackwardData with x as dy (N, C_in, 1, L_in), w as the filter
// (C_in, C_out/groups, 1, K) and y as dx (N, C_out, 1, L_out): a 2D convolution of height 1 with
// pad (0, padding), stride (1, stride), dilation (1, dilation). dx's full shape is given, so an
// output_padding below the stride is expressed by the larger dx. The algorithm is the fastest that
// cudnnFindConvolutionBackwardDataAlgorithmEx measures with the workspace it is given.
#pragma once

#include <cudnn.h>

#include <climits>
#include <cstdio>
#include <string>
#include <vector>

#include <convt1d/problem.hpp>

#include "bench_support.cuh"

namespace convt1d_bench {

inline void check_cudnn(cudnnStatus_t status, const char* what) {
  if (status != CUDNN_STATUS_SUCCESS) {
    throw BenchError(std::string(what) + ": " + cudnnGetErrorString(status));
  }
}

using UniqueCudnn = UniqueHandle<cudnnHandle_t, cudnnDestroy>;
using UniqueTensorDescriptor = UniqueHandle<cudnnTensorDescriptor_t, cudnnDestroyTensorDescriptor>;
using UniqueFilterDescriptor = UniqueHandle<cudnnFilterDescriptor_t, cudnnDestroyFilterDescriptor>;
using UniqueConvolutionDescriptor =
    UniqueHandle<cudnnConvolutionDescriptor_t, cudnnDestroyConvolutionDescriptor>;

inline UniqueCudnn make_cudnn(cudaStream_t stream) {
  cudnnHandle_t handle = nullptr;
  check_cudnn(cudnnCreate(&handle), "cudnnCreate");
  UniqueCudnn owned(handle);
  check_cudnn(cudnnSetStream(handle, stream), "cudnnSetStream");
  return owned;
}

inline const char* to_string(cudnnConvolutionBwdDataAlgo_t algo) {
  switch (algo) {
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_0: return "ALGO_0";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_1: return "ALGO_1";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT: return "FFT";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING: return "FFT_TILING";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD: return "WINOGRAD";
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED: return "WINOGRAD_NONFUSED";
    default: return "unknown";
  }
}

inline const char* to_string(cudnnMathType_t math) {
  switch (math) {
    case CUDNN_DEFAULT_MATH: return "DEFAULT";
    case CUDNN_TENSOR_OP_MATH: return "TENSOR_OP";
    case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION: return "TENSOR_OP_ALLOW_CONVERSION";
    case CUDNN_FMA_MATH: return "FMA";
    default: return "unknown";
  }
}

inline cudnnDataType_t cudnn_data_type(DType dtype) {
  switch (dtype) {
    case DType::kFloat: return CUDNN_DATA_FLOAT;
    case DType::kHalf: return CUDNN_DATA_HALF;
    case DType::kBFloat16: return CUDNN_DATA_BFLOAT16;
  }
  throw BenchError("unknown DType");
}

// cuDNN's legacy descriptors take int sizes.
inline int to_cudnn_int(int64_t value, const char* what) {
  if (value > INT_MAX) {
    throw BenchError(std::string("cuDNN legacy API: ") + what + " = " + std::to_string(value) +
                     " does not fit in int");
  }
  return static_cast<int>(value);
}

// One problem in one element type and math mode, with the algorithm Find chose.
class CudnnTransposedConv {
 public:
  // math: CUDNN_FMA_MATH (exact FP32), CUDNN_DEFAULT_MATH (FP32 with TF32 allowed) or
  // CUDNN_TENSOR_OP_MATH (half / bf16). Accumulation is FP32 for every element type.
  CudnnTransposedConv(cudnnHandle_t handle, const convt1d::Problem& problem, DType dtype,
                      cudnnMathType_t math)
      : handle_(handle) {
    const cudnnDataType_t data_type = cudnn_data_type(dtype);
    const int batch = to_cudnn_int(problem.batch, "batch");
    const int in_channels = to_cudnn_int(problem.in_channels, "in_channels");
    const int out_channels = to_cudnn_int(problem.out_channels, "out_channels");
    const int out_per_group = to_cudnn_int(problem.out_channels / problem.groups, "C_out/groups");

    x_desc_ = make_tensor(data_type, batch, in_channels,
                          to_cudnn_int(problem.in_length, "in_length"));
    y_desc_ = make_tensor(data_type, batch, out_channels,
                          to_cudnn_int(convt1d::output_length(problem), "output length"));

    cudnnFilterDescriptor_t filter = nullptr;
    check_cudnn(cudnnCreateFilterDescriptor(&filter), "cudnnCreateFilterDescriptor");
    w_desc_.reset(filter);
    check_cudnn(cudnnSetFilter4dDescriptor(filter, data_type, CUDNN_TENSOR_NCHW, in_channels,
                                           out_per_group, 1,
                                           to_cudnn_int(problem.kernel_size, "kernel_size")),
                "cudnnSetFilter4dDescriptor");

    cudnnConvolutionDescriptor_t convolution = nullptr;
    check_cudnn(cudnnCreateConvolutionDescriptor(&convolution),
                "cudnnCreateConvolutionDescriptor");
    conv_desc_.reset(convolution);
    check_cudnn(cudnnSetConvolution2dDescriptor(
                    convolution, /*pad_h=*/0, to_cudnn_int(problem.padding, "padding"),
                    /*stride_h=*/1, to_cudnn_int(problem.stride, "stride"), /*dilation_h=*/1,
                    to_cudnn_int(problem.dilation, "dilation"), CUDNN_CROSS_CORRELATION,
                    CUDNN_DATA_FLOAT),
                "cudnnSetConvolution2dDescriptor");
    check_cudnn(cudnnSetConvolutionGroupCount(convolution,
                                              to_cudnn_int(problem.groups, "groups")),
                "cudnnSetConvolutionGroupCount");
    check_cudnn(cudnnSetConvolutionMathType(convolution, math), "cudnnSetConvolutionMathType");
  }

  // Times every algorithm cuDNN offers for these descriptors and keeps the fastest that ran.
  // Writes y. Throws when no algorithm succeeds within the workspace.
  void find_algorithm(const void* x, const void* w, void* y, void* workspace,
                      size_t workspace_bytes) {
    int max_count = 0;
    check_cudnn(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle_, &max_count),
                "cudnnGetConvolutionBackwardDataAlgorithmMaxCount");
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> results(static_cast<size_t>(max_count));
    int returned = 0;
    check_cudnn(cudnnFindConvolutionBackwardDataAlgorithmEx(
                    handle_, w_desc_.get(), w, x_desc_.get(), x, conv_desc_.get(), y_desc_.get(),
                    y, max_count, &returned, results.data(), workspace, workspace_bytes),
                "cudnnFindConvolutionBackwardDataAlgorithmEx");
    // Results come sorted by time, failures last.
    for (int i = 0; i < returned; ++i) {
      const cudnnConvolutionBwdDataAlgoPerf_t& result = results[static_cast<size_t>(i)];
      if (result.status == CUDNN_STATUS_SUCCESS && result.memory <= workspace_bytes) {
        algo_ = result.algo;
        algo_math_ = result.mathType;
        workspace_bytes_ = result.memory;
        find_milliseconds_ = result.time;
        // Run with the math type the measurement used, as cuDNN's documentation asks.
        check_cudnn(cudnnSetConvolutionMathType(conv_desc_.get(), algo_math_),
                    "cudnnSetConvolutionMathType");
        found_ = true;
        return;
      }
    }
    throw BenchError("cuDNN Find: no backward-data algorithm succeeded for this problem (" +
                     std::to_string(returned) + " tried, workspace " +
                     std::to_string(workspace_bytes >> 20) + " MiB)");
  }

  // y = conv_transpose1d(x, w) on the handle's stream. `workspace` holds workspace_bytes().
  void run(const void* x, const void* w, void* y, void* workspace) const {
    if (!found_) throw BenchError("CudnnTransposedConv::run before find_algorithm");
    const float alpha = 1.0f, beta = 0.0f;  // float scaling for float, half and bf16 data
    check_cudnn(cudnnConvolutionBackwardData(handle_, &alpha, w_desc_.get(), w, x_desc_.get(), x,
                                             conv_desc_.get(), algo_, workspace, workspace_bytes_,
                                             &beta, y_desc_.get(), y),
                "cudnnConvolutionBackwardData");
  }

  size_t workspace_bytes() const { return workspace_bytes_; }
  cudnnConvolutionBwdDataAlgo_t algo() const { return algo_; }
  float find_milliseconds() const { return find_milliseconds_; }

  // "algo=ALGO_1 math=FMA ws=0.0MiB": what Find chose.
  std::string description() const {
    char text[160];
    std::snprintf(text, sizeof(text), "algo=%s math=%s ws=%.1fMiB", to_string(algo_),
                  to_string(algo_math_), static_cast<double>(workspace_bytes_) / (1 << 20));
    return text;
  }

 private:
  static UniqueTensorDescriptor make_tensor(cudnnDataType_t type, int n, int c, int length) {
    cudnnTensorDescriptor_t descriptor = nullptr;
    check_cudnn(cudnnCreateTensorDescriptor(&descriptor), "cudnnCreateTensorDescriptor");
    UniqueTensorDescriptor owned(descriptor);
    check_cudnn(cudnnSetTensor4dDescriptor(descriptor, CUDNN_TENSOR_NCHW, type, n, c, 1, length),
                "cudnnSetTensor4dDescriptor");
    return owned;
  }

  cudnnHandle_t handle_;
  UniqueTensorDescriptor x_desc_, y_desc_;
  UniqueFilterDescriptor w_desc_;
  UniqueConvolutionDescriptor conv_desc_;
  bool found_ = false;
  cudnnConvolutionBwdDataAlgo_t algo_ = CUDNN_CONVOLUTION_BWD_DATA_ALGO_0;
  cudnnMathType_t algo_math_ = CUDNN_DEFAULT_MATH;
  size_t workspace_bytes_ = 0;
  float find_milliseconds_ = 0.0f;
};

}  // namespace convt1d_bench
