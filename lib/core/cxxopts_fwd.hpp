// cxxopts' types, declared only: headers that name them stay light, and only
// the .cpp files that parse options include cxxopts itself.
#pragma once

namespace cxxopts {
class Options;
class ParseResult;
}  // namespace cxxopts
