// Where the benchmarks find JSONSchemaBench (../shared/bench/jsonschema).
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace perimeter::bench {

// The dataset files (*.jsonl), in name order.
inline std::vector<std::filesystem::path> jsonschema_bench_files() {
  // PERIMETER_JSONSCHEMA_DIR: another directory of such files (a subset to study).
  const char* other = std::getenv("PERIMETER_JSONSCHEMA_DIR");
  const std::filesystem::path dir =
      other ? std::filesystem::path(other)
            : std::filesystem::path(PERIMETER_SOURCE_DIR) / "../shared/bench/jsonschema";
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".jsonl") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace perimeter::bench
