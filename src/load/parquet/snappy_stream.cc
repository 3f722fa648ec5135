// snappy_stream.cc - snappy pages decoded from the file mapping ES_PQ_IN_STEP bytes at a time,
// the consumed input dropped as the decoder skips past it. C++ because libsnappy's only
// incremental-input interface is snappy::Source (Debian's snappy-c.h takes whole buffers).
#include <snappy-sinksource.h>
#include <snappy.h>

#include "load/parquet/stream.h"

namespace {

// The page's compressed bytes, peeked a step at a time: snappy skips each step once decoded.
class DroppingSource : public snappy::Source {
 public:
  explicit DroppingSource(es_pq_in *in) : in_(in), used_(0) {}
  size_t Available() const override { return in_->n - used_; }
  const char *Peek(size_t *len) override {
    size_t left = in_->n - used_;
    *len = left < ES_PQ_IN_STEP ? left : ES_PQ_IN_STEP;
    return reinterpret_cast<const char *>(in_->p + used_);
  }
  void Skip(size_t n) override {
    used_ += n;
    es_pq_in_drop(in_, used_);
  }

 private:
  es_pq_in *in_;
  size_t used_;
};

}  // namespace

// The length header is checked against want first: RawUncompress trusts dst to hold it.
extern "C" int es_pq_snappy_stream(es_pq_in *in, uint8_t *dst, size_t want) {
  try {
    size_t len;
    if (!snappy::GetUncompressedLength(reinterpret_cast<const char *>(in->p), in->n, &len) ||
        len != want)
      return -1;
    DroppingSource src(in);
    return snappy::RawUncompress(&src, reinterpret_cast<char *>(dst)) ? 0 : -1;
  } catch (...) {  // nothing may unwind into C
    return -1;
  }
}
