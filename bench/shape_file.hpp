// convt1d bench: the shape-file reader. Host-only.
//
// One problem a line: name N C_in C_out K L_in stride padding output_padding dilation groups.
// '#' starts a comment; blank lines are skipped.
#pragma once

#include <convt1d/problem.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace convt1d_bench {

struct Shape {
  std::string name;
  convt1d::Problem problem;
};

// Throws std::runtime_error naming the file and line of the first malformed or invalid entry.
inline std::vector<Shape> read_shape_file(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open shape file " + path);
  std::vector<Shape> shapes;
  std::string line;
  for (int line_number = 1; std::getline(file, line); ++line_number) {
    if (const size_t comment = line.find('#'); comment != std::string::npos) line.erase(comment);
    std::istringstream fields(line);
    Shape shape;
    if (!(fields >> shape.name)) continue;  // blank or comment-only line
    convt1d::Problem& p = shape.problem;
    const std::string where = path + ":" + std::to_string(line_number) + ": ";
    if (!(fields >> p.batch >> p.in_channels >> p.out_channels >> p.kernel_size >> p.in_length >>
          p.stride >> p.padding >> p.output_padding >> p.dilation >> p.groups)) {
      throw std::runtime_error(where + "expected: name N C_in C_out K L_in stride padding "
                                       "output_padding dilation groups");
    }
    if (std::string extra; fields >> extra) {
      throw std::runtime_error(where + "unexpected trailing field '" + extra + "'");
    }
    if (const convt1d::Status status = convt1d::validate(p); status != convt1d::Status::kSuccess) {
      throw std::runtime_error(where + shape.name + " is not a valid problem: " +
                               convt1d::to_string(status));
    }
    for (const Shape& earlier : shapes) {
      if (earlier.name == shape.name) {
        throw std::runtime_error(where + "shape name '" + shape.name + "' used twice");
      }
    }
    shapes.push_back(shape);
  }
  if (shapes.empty()) throw std::runtime_error("shape file " + path + " lists no shapes");
  return shapes;
}

}  // namespace convt1d_bench
