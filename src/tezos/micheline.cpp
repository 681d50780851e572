// Iterative walk of binary Micheline expressions (see micheline.h).
#include "tezos/micheline.h"

#include <string>
#include <vector>

namespace signatory::tezos {

namespace {

// One open level of the walk: either a fixed number of primitive arguments still to read from
// the current reader, or a length-delimited window (sequence, or the argument list of a
// variadic primitive) that ends when its reader is used up.
struct Frame {
  bool is_window = false;
  std::size_t args_left = 0;
  bool annots_after = false;  // the primitive's annotation string follows its arguments
};

void read_primitive(ByteReader& r) {
  std::size_t at = r.offset();
  std::uint8_t prim = r.u8("Michelson primitive");
  if (prim > kMaxMichelsonPrimitive)
    r.fail(at, "unknown Michelson primitive " + std::to_string(prim));
}

void read_annotations(ByteReader& r) {
  (void)r.length_prefixed("Micheline annotations");
}

}  // namespace

void skip_micheline_expression(ByteReader& reader) {
  std::vector<Frame> frames;
  std::vector<ByteReader> windows;  // readers of the open window frames, innermost last
  auto current = [&]() -> ByteReader& { return windows.empty() ? reader : windows.back(); };
  auto open = [&](Frame f) {
    if (frames.size() >= kMaxMichelineDepth)
      current().fail(current().offset(), "Micheline expression nested deeper than " +
                                             std::to_string(kMaxMichelineDepth) + " levels");
    frames.push_back(f);
  };

  frames.push_back(Frame{false, 1, false});
  while (!frames.empty()) {
    Frame& top = frames.back();
    if (top.is_window) {
      if (current().at_end()) {
        bool annots = top.annots_after;
        frames.pop_back();
        windows.pop_back();
        if (annots) read_annotations(current());
        continue;
      }
    } else {
      if (top.args_left == 0) {
        bool annots = top.annots_after;
        frames.pop_back();
        if (annots) read_annotations(current());
        continue;
      }
      --top.args_left;
    }

    ByteReader& r = current();
    std::size_t at = r.offset();
    std::uint8_t tag = r.u8("Micheline node tag");
    switch (tag) {
      case 0x00:  // int
        (void)r.zarith_z("Micheline int");
        break;
      case 0x01:  // string
        (void)r.length_prefixed("Micheline string");
        break;
      case 0x02: {  // sequence
        ByteReader seq = r.length_prefixed("Micheline sequence");
        open(Frame{true, 0, false});
        windows.push_back(seq);
        break;
      }
      case 0x03:  // primitive, no arguments, no annotations
        read_primitive(r);
        break;
      case 0x04:  // primitive, no arguments, annotations
        read_primitive(r);
        read_annotations(r);
        break;
      case 0x05:
      case 0x06:
      case 0x07:
      case 0x08: {  // primitive with 1 or 2 arguments, with or without annotations
        read_primitive(r);
        std::size_t nargs = tag <= 0x06 ? 1 : 2;
        bool annots = tag == 0x06 || tag == 0x08;
        open(Frame{false, nargs, annots});
        break;
      }
      case 0x09: {  // primitive with any number of arguments, then annotations
        read_primitive(r);
        ByteReader args = r.length_prefixed("Micheline primitive arguments");
        open(Frame{true, 0, true});
        windows.push_back(args);
        break;
      }
      case 0x0a:  // bytes
        (void)r.length_prefixed("Micheline bytes");
        break;
      default:
        r.fail(at, "unknown Micheline node tag " + std::to_string(tag));
    }
  }
}

}  // namespace signatory::tezos
