package nixsearch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"github.com/devsh/devsh/internal/atomicfile"
)

// The file format is the Index's own memory layout, so that opening an
// index maps the file and points the Index's tables into it, decoding
// nothing per package (a 130k-package index opens in a few milliseconds;
// rows are read from the mapping only when they are shown or matched).
// All integers are little-endian; varints are unsigned LEB128 (uvarint):
//
//	magic "DEVSHIDX", version uint32, header length uint32
//	header: Key, Ref, Origin, Rev, NarHash, System as (uvarint length,
//	      bytes); Built as varint Unix seconds and uvarint nanoseconds;
//	      uvarint Count; meta missing (uvarint length, bytes); uvarint n
//	      (packages, = Count); uvarint data length; uvarint lower length;
//	      uvarint set count, and per set its name (uvarint length, bytes)
//	      and uvarint variants; uvarint alias count, and per alias set
//	      (sorted) its name and its target (each uvarint length, bytes)
//	then, each starting at a multiple of 8 (zero padding before it):
//	      field   (7n+1)×uint32  offsets of Attr, Pname, Version,
//	                             Description, MainProgram, License, Homepage
//	                             of each package in data
//	      off     (n+1)×uint32   offsets of each lower-cased Attr in lower
//	      seg     n×uint32       offset of each Attr's last segment
//	      set     n×int32        package set of each Attr, -1 at top level
//	      mask    n×uint64       prefilter bits of each lower-cased Attr
//	      flags   n×uint8        Unfree 1, Broken 2, Insecure 4, Unavailable 8
//	      generic n×uint8        1 when the Attr needs the Unicode matcher
//	      data    the strings, lower the lower-cased Attrs
//	zero padding to a multiple of 4, CRC-32C (Castagnoli) of everything
//	      before, uint32
//
// Packages are in Index order (sorted, unique attributes).
const (
	cacheMagic = "DEVSHIDX"
	// cacheVersion changes with any format change; older files are then
	// reported corrupt and rebuilt. Version 2 added the packages' meta,
	// version 3 the alias sets, version 4 stores the match tables so that
	// loading maps the file.
	cacheVersion = 4
	// cacheAlign aligns every table for direct use as a Go slice.
	cacheAlign = 8
)

// cacheLittleEndian is whether this machine stores integers as the file
// does; only then are the tables used in place (else they are copied).
var cacheLittleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// cacheEncode serialises meta and ix.
func cacheEncode(meta CacheMeta, ix *Index) []byte {
	n := ix.Len()
	var h []byte
	for _, s := range []string{meta.Key, meta.Ref, meta.Origin, meta.Rev, meta.NarHash, meta.System} {
		h = cacheAppendString(h, s)
	}
	h = binary.AppendVarint(h, meta.Built.Unix())
	h = binary.AppendUvarint(h, uint64(meta.Built.Nanosecond()))
	h = binary.AppendUvarint(h, uint64(meta.Count))
	h = cacheAppendString(h, ix.metaMissing)
	h = binary.AppendUvarint(h, uint64(n))
	h = binary.AppendUvarint(h, uint64(len(ix.data)))
	h = binary.AppendUvarint(h, uint64(len(ix.lower)))
	h = binary.AppendUvarint(h, uint64(len(ix.sets)))
	for _, s := range ix.sets {
		h = cacheAppendString(h, s.name)
		h = binary.AppendUvarint(h, uint64(s.variants))
	}
	aliases := slices.Sorted(maps.Keys(ix.aliases))
	h = binary.AppendUvarint(h, uint64(len(aliases)))
	for _, a := range aliases {
		h = cacheAppendString(h, a)
		h = cacheAppendString(h, ix.aliases[a])
	}

	size := len(cacheMagic) + 8 + len(h) + 64 + 4*(len(ix.field)+len(ix.off)+3*n) + 8*n + 2*n + len(ix.data) + len(ix.lower)
	b := make([]byte, 0, size)
	b = append(b, cacheMagic...)
	b = binary.LittleEndian.AppendUint32(b, cacheVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(h)))
	b = append(b, h...)
	pad := func() {
		for len(b)%cacheAlign != 0 {
			b = append(b, 0)
		}
	}
	u32 := func(v []uint32) {
		pad()
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, x)
		}
	}
	u32(ix.field[:indexFields*n+1])
	u32(ix.off[:n+1])
	u32(ix.seg[:n])
	pad()
	for _, x := range ix.set[:n] {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	pad()
	for _, x := range ix.mask[:n] {
		b = binary.LittleEndian.AppendUint64(b, x)
	}
	pad()
	b = append(b, ix.flags[:n]...)
	pad()
	for _, g := range ix.generic[:n] {
		if g {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	pad()
	b = append(b, ix.data...)
	pad()
	b = append(b, ix.lower...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, cacheCRCTable()))
}

func cacheAppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// cacheCRCTable is the CRC-32C table (hardware-accelerated on amd64/arm64).
func cacheCRCTable() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) }

// cacheMaxSize bounds an index file: offsets are 32-bit (a real nixpkgs
// index is ~25 MB).
const cacheMaxSize = math.MaxUint32

// cacheMap maps the index file at path read-only; a missing file is nil,
// false, nil. Like atomicfile.ReadFileNoFollow it refuses a symlink and
// anything but a regular file (a NotRegularError) and never blocks opening
// a FIFO, and a file over cacheMaxSize is a TooLargeError. The mapping is
// never unmapped once an Index uses it (the strings it hands out point into
// it); a file replaced or removed later stays mapped as it was (the cache
// only ever renames a new file into place). Where mapping fails, the file
// is read instead.
func cacheMap(path string) ([]byte, bool, error) {
	pre, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if err := atomicfile.CheckRegular(path, pre); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, false, &atomicfile.NotRegularError{Path: path, Kind: "a symlink"}
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	if err := atomicfile.CheckRegular(path, info); err != nil {
		return nil, false, err
	}
	size := info.Size()
	if size > cacheMaxSize {
		return nil, false, &atomicfile.TooLargeError{Path: path, Limit: cacheMaxSize}
	}
	if size > 0 {
		// MAP_POPULATE reads the whole file in one go: the checksum
		// touches every page anyway, and faulting them in one by one
		// costs more.
		data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED|syscall.MAP_POPULATE)
		if err == nil {
			return data, true, nil
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, cacheMaxSize))
	return data, err == nil, err
}

// cacheUnmap releases a mapping of cacheMap that no Index uses. (A read
// file is left to the garbage collector: Munmap then fails harmlessly.)
func cacheUnmap(data []byte) {
	if len(data) > 0 {
		_ = syscall.Munmap(data)
	}
}

// cacheReader decodes the header with bounds checks; the first failure
// sticks.
type cacheReader struct {
	b   []byte
	err error
}

func (r *cacheReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated or malformed %s", ErrCacheCorrupt, what)
	}
}

func (r *cacheReader) uvarint(what string) uint64 { return cacheReadVarint(r, what, binary.Uvarint) }

func (r *cacheReader) varint(what string) int64 { return cacheReadVarint(r, what, binary.Varint) }

// cacheReadVarint decodes one varint of r with decode (binary.Uvarint or
// binary.Varint), recording what was being read when it fails.
func cacheReadVarint[T uint64 | int64](r *cacheReader, what string, decode func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := decode(r.b)
	if n <= 0 {
		r.fail(what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *cacheReader) bytes(n uint64, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail(what)
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *cacheReader) string(what string) string {
	return string(r.bytes(r.uvarint(what), what))
}

// cacheTables cuts the aligned tables out of a file body.
type cacheTables struct {
	b   []byte
	pos int
	err error
}

// take returns the next table of size bytes, after the alignment padding.
func (t *cacheTables) take(size uint64, what string) []byte {
	if t.err != nil {
		return nil
	}
	for t.pos%cacheAlign != 0 {
		t.pos++
	}
	if t.pos > len(t.b) || size > uint64(len(t.b)-t.pos) {
		t.err = fmt.Errorf("%w: truncated %s", ErrCacheCorrupt, what)
		return nil
	}
	v := t.b[t.pos : t.pos+int(size)]
	t.pos += int(size)
	return v
}

// cacheView views b as little-endian integers (get decodes one): in place
// where the machine is little-endian and b aligned, else copied.
func cacheView[T uint32 | uint64](b []byte, get func([]byte) T) []T {
	size := int(unsafe.Sizeof(T(0)))
	n := len(b) / size
	if n == 0 {
		return []T{}
	}
	if cacheLittleEndian && uintptr(unsafe.Pointer(&b[0]))%uintptr(size) == 0 {
		return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
	}
	v := make([]T, n)
	for i := range v {
		v[i] = get(b[size*i:])
	}
	return v
}

// cacheU32s views b as uint32s (see cacheView).
func cacheU32s(b []byte) []uint32 { return cacheView(b, binary.LittleEndian.Uint32) }

// cacheU64s views b as uint64s (see cacheView).
func cacheU64s(b []byte) []uint64 { return cacheView(b, binary.LittleEndian.Uint64) }

// cacheDecode parses a cache file; every failure wraps ErrCacheCorrupt. The
// index's tables and strings point into data, which nobody may modify (or
// unmap) afterwards. Decoding checks the checksum, and everything the index
// relies on to never read out of bounds: offsets ascending within their
// arenas, each lower-cased attribute as long as its attribute, segments
// inside their attribute, set numbers and flags defined, attributes sorted
// and unique.
func cacheDecode(data []byte) (*Index, CacheMeta, error) {
	var meta CacheMeta
	fixed := len(cacheMagic) + 8
	if len(data) < fixed+4 {
		return nil, meta, fmt.Errorf("%w: %d bytes is too short", ErrCacheCorrupt, len(data))
	}
	if uint64(len(data)) > math.MaxUint32 {
		// Offsets are 32-bit; a real index is ~25 MB.
		return nil, meta, fmt.Errorf("%w: %d bytes is too large", ErrCacheCorrupt, len(data))
	}
	if string(data[:len(cacheMagic)]) != cacheMagic {
		return nil, meta, fmt.Errorf("%w: not an index file", ErrCacheCorrupt)
	}
	if v := binary.LittleEndian.Uint32(data[len(cacheMagic):]); v != cacheVersion {
		return nil, meta, fmt.Errorf("%w: format version %d, want %d", ErrCacheCorrupt, v, cacheVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, cacheCRCTable()) != sum {
		return nil, meta, fmt.Errorf("%w: checksum mismatch", ErrCacheCorrupt)
	}
	if uintptr(unsafe.Pointer(&data[0]))%cacheAlign != 0 {
		// Tables are used in place only when aligned (a mapping and a
		// Go allocation of this size are).
		aligned := make([]uint64, (len(data)+7)/8)
		copied := unsafe.Slice((*byte)(unsafe.Pointer(&aligned[0])), len(data))
		copy(copied, data)
		data, body = copied, copied[:len(copied)-4]
	}
	hlen := uint64(binary.LittleEndian.Uint32(data[len(cacheMagic)+4:]))
	if hlen > uint64(len(body)-fixed) {
		return nil, meta, fmt.Errorf("%w: truncated or malformed header", ErrCacheCorrupt)
	}
	r := &cacheReader{b: body[fixed : fixed+int(hlen)]}
	meta.Key = r.string("key")
	meta.Ref = r.string("ref")
	meta.Origin = r.string("origin")
	meta.Rev = r.string("rev")
	meta.NarHash = r.string("narHash")
	meta.System = r.string("system")
	sec := r.varint("build time")
	nsec := r.uvarint("build time")
	if r.err == nil && nsec >= uint64(1e9) {
		r.fail("build time")
	}
	meta.Built = time.Unix(sec, int64(nsec))
	count := r.uvarint("count")
	metaMissing := r.string("meta status")
	n := r.uvarint("package count")
	dataLen := r.uvarint("data length")
	lowerLen := r.uvarint("lower length")
	nsets := r.uvarint("set count")
	// Each package takes at least 32 bytes of tables and each set a byte
	// of header: this bounds the counts by the input before anything is
	// allocated for them.
	if r.err == nil && (n != count || n > uint64(len(body))/32 || nsets > uint64(len(r.b))) {
		r.fail("package count")
	}
	var sets []indexSet
	for k := uint64(0); k < nsets && r.err == nil; k++ {
		name := r.string("set name")
		variants := r.uvarint("set variants")
		if variants > nsets {
			r.fail("set variants")
		}
		sets = append(sets, indexSet{name: name, variants: int(variants)})
	}
	na := r.uvarint("alias count")
	// Each alias set takes at least two length bytes.
	if r.err == nil && na > uint64(len(r.b))/2 {
		r.fail("alias count")
	}
	var aliases map[string]string
	for k := uint64(0); k < na && r.err == nil; k++ {
		a, t := r.string("alias set"), r.string("alias target")
		if aliases == nil {
			aliases = map[string]string{}
		}
		aliases[a] = t
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("header")
	}
	if r.err != nil {
		return nil, CacheMeta{}, r.err
	}
	meta.Count = int(count)

	t := &cacheTables{b: body, pos: fixed + int(hlen)}
	field := cacheU32s(t.take(4*(indexFields*n+1), "offsets"))
	off := cacheU32s(t.take(4*(n+1), "attribute offsets"))
	seg := cacheU32s(t.take(4*n, "segments"))
	set := cacheU32s(t.take(4*n, "sets"))
	mask := cacheU64s(t.take(8*n, "masks"))
	flags := t.take(n, "flags")
	generic := t.take(n, "matcher kinds")
	blob := t.take(dataLen, "strings")
	lower := t.take(lowerLen, "lower-cased attributes")
	if t.err != nil {
		return nil, CacheMeta{}, t.err
	}
	if rest := len(body) - t.pos; rest < 0 || rest >= 4 || !cacheZero(body[t.pos:]) {
		return nil, CacheMeta{}, fmt.Errorf("%w: %d trailing bytes", ErrCacheCorrupt, len(body)-t.pos)
	}
	if err := cacheCheck(field, off, seg, set, flags, generic, blob, lower, len(sets)); err != nil {
		return nil, CacheMeta{}, err
	}
	ix := &Index{
		data:        cacheString(blob),
		field:       field,
		n:           int(n),
		flags:       flags,
		metaMissing: metaMissing,
		lower:       lower,
		off:         off,
		seg:         seg,
		mask:        mask,
		generic:     unsafe.Slice((*bool)(unsafe.Pointer(unsafe.SliceData(generic))), len(generic)),
		set:         unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(set))), len(set)),
		sets:        sets,
	}
	ix.indexLazy()
	if aliases != nil {
		ix = ix.WithAliasSets(aliases)
	}
	return ix, meta, nil
}

// cacheCheck verifies the tables' invariants (see cacheDecode).
func cacheCheck(field, off, seg, set []uint32, flags, generic, blob, lower []byte, nsets int) error {
	n := len(seg)
	bad := func(what string) error { return fmt.Errorf("%w: malformed %s", ErrCacheCorrupt, what) }
	if field[0] != 0 || field[len(field)-1] != uint32(len(blob)) {
		return bad("offsets")
	}
	for k := 1; k < len(field); k++ {
		if field[k] < field[k-1] {
			return bad("offsets")
		}
	}
	if off[0] != 0 || off[n] != uint32(len(lower)) {
		return bad("attribute offsets")
	}
	all := cacheString(blob)
	prev := ""
	for i := range n {
		a0, a1 := field[indexFields*i], field[indexFields*i+1]
		if off[i+1]-off[i] != a1-a0 || off[i+1] < off[i] || seg[i] > a1-a0 {
			return bad("attribute offsets")
		}
		if int32(set[i]) < -1 || int32(set[i]) >= int32(nsets) || flags[i]&^packageFlagsMask != 0 || generic[i] > 1 {
			return bad("package tables")
		}
		a := all[a0:a1]
		if i > 0 && prev >= a {
			return fmt.Errorf("%w: attributes not sorted and unique", ErrCacheCorrupt)
		}
		prev = a
	}
	return nil
}

// cacheString views b as a string without copying: b is never written to
// (see cacheDecode).
func cacheString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func cacheZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
