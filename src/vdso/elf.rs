//! The few ELF structures between a vDSO's header and one versioned
//! symbol, read from a byte slice that is trusted for nothing.
//!
//! Every offset, size and count read from the image is checked against
//! the image's length (with overflow-checked arithmetic) before anything
//! at that place is read; any inconsistency makes the lookup fail with
//! `None`, never panic. Nothing here dereferences a pointer: the caller
//! hands in the image as a slice, so the same code runs on the kernel's
//! vDSO and, under Miri, on images built by the tests.
//!
//! The structures are those of the System V gABI, "Object Files"
//! (<https://refspecs.linuxfoundation.org/elf/gabi4+/contents.html>),
//! with the GNU hash table and symbol versioning of the LSB
//! (<https://refspecs.linuxfoundation.org/LSB_5.0.0/LSB-Core-generic/LSB-Core-generic/symversion.html>);
//! the constants are those of the kernel's `include/uapi/linux/elf.h`.
//! What a vDSO looks like, each arch's linker script says
//! (`arch/*/kernel/vdso/vdso.lds.S`, `arch/x86/entry/vdso/vdso-layout.lds.S`):
//! an `ET_DYN` image with exactly one `PT_LOAD` segment (read + execute)
//! that starts with the ELF header, and a `PT_DYNAMIC` inside it.

use super::Abi;

const EI_CLASS: usize = 4;
const EI_DATA: usize = 5;
const EI_VERSION: usize = 6;
const ELFCLASS32: u8 = 1;
const ELFCLASS64: u8 = 2;
const ELFDATA2LSB: u8 = 1;
const ELFDATA2MSB: u8 = 2;
/// The byte order this parser reads with (`from_ne_bytes`).
const NATIVE_DATA: u8 = if cfg!(target_endian = "little") {
    ELFDATA2LSB
} else {
    ELFDATA2MSB
};
const EV_CURRENT: u32 = 1;
const ET_DYN: u16 = 3;
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PF_X: u32 = 1;
const PF_R: u32 = 4;
const DT_NULL: u64 = 0;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
const DT_SYMENT: u64 = 11;
const DT_GNU_HASH: u64 = 0x6fff_fef5;
const DT_VERSYM: u64 = 0x6fff_fff0;
const DT_VERDEF: u64 = 0x6fff_fffc;
const DT_VERDEFNUM: u64 = 0x6fff_fffd;
const SHN_UNDEF: u16 = 0;
const STT_FUNC: u8 = 2;
const STB_GLOBAL: u8 = 1;
const STB_WEAK: u8 = 2;
/// `VER_DEF_CURRENT`: the only `vd_version` there is.
const VER_DEF_CURRENT: u16 = 1;
/// The version definition that names the file itself, not a version.
const VER_FLG_BASE: u16 = 1;
/// The index bits of a `versym` entry (bit 15 marks a hidden symbol).
const VERSYM_INDEX: u16 = 0x7fff;
/// `sizeof(Elf_Verdef)`, the same in both classes.
const VERDEF_SIZE: usize = 20;

/// An ELF file class: 32-bit or 64-bit structures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// `ELFCLASS32`
    Elf32,
    /// `ELFCLASS64`
    Elf64,
}

/// Where the fields this reader needs sit in one class's structures
/// (byte offsets; checked against libc's `Elf*_*` types in the tests).
#[derive(Debug)]
pub(super) struct Layout {
    /// `e_ident[EI_CLASS]`.
    ident: u8,
    /// The size of `Elf_Addr`, `Elf_Off`, `Elf_Xword` and a `d_tag`.
    pub(super) word: usize,
    pub(super) ehdr: usize,
    pub(super) e_phoff: usize,
    pub(super) e_phentsize: usize,
    pub(super) e_phnum: usize,
    pub(super) phdr: usize,
    pub(super) p_flags: usize,
    pub(super) p_offset: usize,
    pub(super) p_vaddr: usize,
    pub(super) p_filesz: usize,
    pub(super) p_memsz: usize,
    pub(super) sym: usize,
    pub(super) st_info: usize,
    pub(super) st_shndx: usize,
    pub(super) st_value: usize,
}

/// The offsets shared by both classes.
const E_TYPE: usize = 16;
const E_MACHINE: usize = 18;
const E_VERSION: usize = 20;
const P_TYPE: usize = 0;
const ST_NAME: usize = 0;

const ELF32: Layout = Layout {
    ident: ELFCLASS32,
    word: 4,
    ehdr: 52,
    e_phoff: 28,
    e_phentsize: 42,
    e_phnum: 44,
    phdr: 32,
    p_flags: 24,
    p_offset: 4,
    p_vaddr: 8,
    p_filesz: 16,
    p_memsz: 20,
    sym: 16,
    st_info: 12,
    st_shndx: 14,
    st_value: 4,
};

const ELF64: Layout = Layout {
    ident: ELFCLASS64,
    word: 8,
    ehdr: 64,
    e_phoff: 32,
    e_phentsize: 54,
    e_phnum: 56,
    phdr: 56,
    p_flags: 4,
    p_offset: 8,
    p_vaddr: 16,
    p_filesz: 32,
    p_memsz: 40,
    sym: 24,
    st_info: 4,
    st_shndx: 6,
    st_value: 8,
};

impl Class {
    pub(super) const fn layout(self) -> &'static Layout {
        match self {
            Class::Elf32 => &ELF32,
            Class::Elf64 => &ELF64,
        }
    }
}

/// A symbol name and the version it must carry, e.g.
/// `__vdso_clock_gettime` @ `LINUX_2.6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Versioned {
    pub(crate) name: &'static str,
    pub(crate) version: &'static str,
}

/// Bounds-checked native-endian reads from an untrusted byte slice.
#[derive(Clone, Copy)]
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn array<const N: usize>(self, at: usize) -> Option<[u8; N]> {
        self.0.get(at..at.checked_add(N)?)?.try_into().ok()
    }

    fn u8(self, at: usize) -> Option<u8> {
        self.0.get(at).copied()
    }

    fn u16(self, at: usize) -> Option<u16> {
        self.array(at).map(u16::from_ne_bytes)
    }

    fn u32(self, at: usize) -> Option<u32> {
        self.array(at).map(u32::from_ne_bytes)
    }

    /// An `Elf_Addr`/`Elf_Off`/`Elf_Xword`: 4 or 8 bytes.
    fn word(self, at: usize, l: &Layout) -> Option<u64> {
        if l.word == 8 {
            self.array(at).map(u64::from_ne_bytes)
        } else {
            self.u32(at).map(u64::from)
        }
    }

    /// A word used as an offset or a size in this address space.
    fn index(self, at: usize, l: &Layout) -> Option<usize> {
        usize::try_from(self.word(at, l)?).ok()
    }
}

/// `base + n * size`, or `None` on overflow.
fn nth(base: usize, n: usize, size: usize) -> Option<usize> {
    base.checked_add(n.checked_mul(size)?)
}

/// The one `PT_LOAD` and the one `PT_DYNAMIC` of an image.
struct Segments {
    /// `p_vaddr` of the `PT_LOAD`: the link-time address of byte 0.
    vaddr: u64,
    /// `p_filesz` of the `PT_LOAD`: the length of the image.
    len: usize,
    dynamic_offset: usize,
    dynamic_len: usize,
}

/// Checks the ELF header against `abi` and finds the segments, reading
/// nothing beyond `head` (which may be just the image's first page).
fn segments(head: &[u8], abi: &Abi) -> Option<Segments> {
    let l = abi.class.layout();
    let b = Bytes(head);
    let ident: [u8; 7] = b.array(0)?;
    let ident_ok = ident[..4] == *b"\x7fELF"
        && ident[EI_CLASS] == l.ident
        && ident[EI_DATA] == NATIVE_DATA
        && u32::from(ident[EI_VERSION]) == EV_CURRENT;
    let header_ok = b.u16(E_TYPE)? == ET_DYN
        && b.u16(E_MACHINE)? == abi.machine
        && b.u32(E_VERSION)? == EV_CURRENT
        && usize::from(b.u16(l.e_phentsize)?) == l.phdr;
    if !ident_ok || !header_ok {
        return None;
    }
    let phoff = b.index(l.e_phoff, l)?;
    let phnum = usize::from(b.u16(l.e_phnum)?);
    let table_end = nth(phoff, phnum, l.phdr)?;
    if phoff < l.ehdr || table_end > head.len() {
        return None;
    }
    let (mut load, mut dynamic) = (None, None);
    for i in 0..phnum {
        let at = nth(phoff, i, l.phdr)?;
        let p_type = b.u32(at + P_TYPE)?;
        let slot = match p_type {
            PT_LOAD => &mut load,
            PT_DYNAMIC => &mut dynamic,
            _ => continue,
        };
        if slot.is_some() {
            return None; // a vDSO has exactly one of each
        }
        *slot = Some(at);
    }
    let (load, dynamic) = (load?, dynamic?);
    let flags = b.u32(load + l.p_flags)?;
    let len = b.index(load + l.p_filesz, l)?;
    let loaded_whole = b.index(load + l.p_offset, l)? == 0
        && len <= b.index(load + l.p_memsz, l)?
        && len >= table_end
        && flags & (PF_R | PF_X) == PF_R | PF_X;
    if !loaded_whole {
        return None;
    }
    let vaddr = b.word(load + l.p_vaddr, l)?;
    let dynamic_offset = b.index(dynamic + l.p_offset, l)?;
    let dynamic_len = b.index(dynamic + l.p_filesz, l)?;
    // Inside the loaded segment, at the address its offset implies.
    let placed = b.word(dynamic + l.p_vaddr, l)?.checked_sub(vaddr)? == dynamic_offset as u64
        && dynamic_offset.checked_add(dynamic_len)? <= len;
    placed.then_some(Segments {
        vaddr,
        len,
        dynamic_offset,
        dynamic_len,
    })
}

/// The length of the image whose first bytes are `head`: the `p_filesz`
/// of its one `PT_LOAD`, which starts at the ELF header. `None` unless
/// `head` is the start of an image for `abi`.
pub(super) fn image_len(head: &[u8], abi: &Abi) -> Option<usize> {
    segments(head, abi).map(|s| s.len)
}

/// A checked vDSO image: its dynamic symbol table, string table and
/// version tables, all known to lie inside the image.
pub(super) struct Image<'a> {
    bytes: Bytes<'a>,
    layout: &'static Layout,
    vaddr: u64,
    symtab: usize,
    nsyms: usize,
    strtab: usize,
    strsz: usize,
    versym: usize,
    verdef: usize,
    verdefnum: usize,
}

/// What the dynamic section says, before checking.
#[derive(Default)]
struct Dynamic {
    hash: Option<u64>,
    gnu_hash: Option<u64>,
    symtab: Option<u64>,
    strtab: Option<u64>,
    strsz: Option<u64>,
    syment: Option<u64>,
    versym: Option<u64>,
    verdef: Option<u64>,
    verdefnum: Option<u64>,
}

impl<'a> Image<'a> {
    /// Checks `bytes` (at least the whole image) as a vDSO for `abi`.
    pub(super) fn parse(bytes: &'a [u8], abi: &Abi) -> Option<Image<'a>> {
        let s = segments(bytes, abi)?;
        let bytes = Bytes(bytes.get(..s.len)?);
        let l = abi.class.layout();
        let d = dynamic(bytes, l, &s)?;
        let offset = |vaddr: Option<u64>| -> Option<usize> {
            let off = usize::try_from(vaddr?.checked_sub(s.vaddr)?).ok()?;
            (off < s.len).then_some(off)
        };
        if d.syment.is_some_and(|n| n != l.sym as u64) {
            return None;
        }
        let strtab = offset(d.strtab)?;
        let strsz = usize::try_from(d.strsz?).ok()?;
        let image = Image {
            bytes,
            layout: l,
            vaddr: s.vaddr,
            symtab: offset(d.symtab)?,
            nsyms: 0,
            strtab,
            strsz,
            versym: offset(d.versym)?,
            verdef: offset(d.verdef)?,
            verdefnum: usize::try_from(d.verdefnum?).ok()?,
        };
        let nsyms = match (offset(d.hash), offset(d.gnu_hash)) {
            (Some(hash), _) => usize::try_from(bytes.u32(hash.checked_add(4)?)?).ok()?,
            (None, Some(gnu)) => gnu_hash_symbols(bytes, l, gnu)?,
            (None, None) => return None,
        };
        let fits = |start: usize, n: usize, size: usize| {
            nth(start, n, size).is_some_and(|end| end <= s.len)
        };
        let inside = fits(image.symtab, nsyms, l.sym)
            && fits(image.versym, nsyms, 2)
            && fits(strtab, strsz, 1);
        inside.then_some(Image { nsyms, ..image })
    }

    /// The offset in the image of the function `want`: a defined global
    /// (or weak) `STT_FUNC` symbol of that name whose version is `want`'s.
    pub(super) fn lookup(&self, want: Versioned) -> Option<usize> {
        let (b, l) = (self.bytes, self.layout);
        // Symbol 0 is the reserved undefined symbol.
        for i in 1..self.nsyms {
            let at = self.symtab + i * l.sym; // in bounds: checked in `parse`
            let info = b.u8(at + l.st_info)?;
            let (kind, bind) = (info & 0xf, info >> 4);
            if b.u16(at + l.st_shndx)? == SHN_UNDEF
                || kind != STT_FUNC
                || !(bind == STB_GLOBAL || bind == STB_WEAK)
                || !self.str_is(b.u32(at + ST_NAME)?, want.name)
            {
                continue;
            }
            let version = b.u16(self.versym + 2 * i)? & VERSYM_INDEX;
            if !self.version_is(version, want.version) {
                continue;
            }
            let value = b.word(at + l.st_value, l)?;
            let off = usize::try_from(value.checked_sub(self.vaddr)?).ok()?;
            return (off < self.bytes.0.len()).then_some(off);
        }
        None
    }

    /// Whether the NUL-terminated string at `name` in the string table is
    /// `want`.
    fn str_is(&self, name: u32, want: &str) -> bool {
        let table = self.bytes.0.get(self.strtab..self.strtab + self.strsz);
        let Some(s) = usize::try_from(name).ok().and_then(|n| table?.get(n..)) else {
            return false;
        };
        let want = want.as_bytes();
        s.get(..want.len()) == Some(want) && s.get(want.len()) == Some(&0)
    }

    /// Whether version index `index` is defined with the name `want`.
    fn version_is(&self, index: u16, want: &str) -> bool {
        self.find_version(index, want).unwrap_or(false)
    }

    fn find_version(&self, index: u16, want: &str) -> Option<bool> {
        let b = self.bytes;
        let mut at = self.verdef;
        // At most `verdefnum` entries, each a step forward: the walk ends.
        for _ in 0..self.verdefnum.min(b.0.len() / VERDEF_SIZE) {
            if b.u16(at)? != VER_DEF_CURRENT {
                return None;
            }
            let flags = b.u16(at + 2)?;
            if flags & VER_FLG_BASE == 0 && b.u16(at + 4)? & VERSYM_INDEX == index {
                // The first `Verdaux` holds the version's own name.
                if b.u16(at + 6)? == 0 {
                    return None;
                }
                let aux = at.checked_add(usize::try_from(b.u32(at + 12)?).ok()?)?;
                return Some(self.str_is(b.u32(aux)?, want));
            }
            let next = usize::try_from(b.u32(at + 16)?).ok()?;
            if next == 0 {
                return None;
            }
            at = at.checked_add(next)?;
        }
        None
    }
}

/// Reads the dynamic section; `None` if it has no `DT_NULL`, or gives a
/// tag this reader uses twice.
fn dynamic(b: Bytes<'_>, l: &Layout, s: &Segments) -> Option<Dynamic> {
    let mut d = Dynamic::default();
    let entry = 2 * l.word;
    for i in 0..s.dynamic_len / entry {
        let at = s.dynamic_offset + i * entry; // inside: `segments` checked
        let (tag, value) = (b.word(at, l)?, b.word(at + l.word, l)?);
        let slot = match tag {
            DT_NULL => return Some(d),
            DT_HASH => &mut d.hash,
            DT_GNU_HASH => &mut d.gnu_hash,
            DT_SYMTAB => &mut d.symtab,
            DT_STRTAB => &mut d.strtab,
            DT_STRSZ => &mut d.strsz,
            DT_SYMENT => &mut d.syment,
            DT_VERSYM => &mut d.versym,
            DT_VERDEF => &mut d.verdef,
            DT_VERDEFNUM => &mut d.verdefnum,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    None
}

/// The number of dynamic symbols, from a `DT_GNU_HASH` table at `at`:
/// one past the highest symbol in any chain (the symbols below
/// `symoffset` are not hashed).
fn gnu_hash_symbols(b: Bytes<'_>, l: &Layout, at: usize) -> Option<usize> {
    let nbuckets = usize::try_from(b.u32(at)?).ok()?;
    let symoffset = usize::try_from(b.u32(at.checked_add(4)?)?).ok()?;
    let bloom_words = usize::try_from(b.u32(at.checked_add(8)?)?).ok()?;
    let buckets = nth(at.checked_add(16)?, bloom_words, l.word)?;
    let chains = nth(buckets, nbuckets, 4)?;
    let mut last = 0;
    for i in 0..nbuckets {
        last = last.max(usize::try_from(b.u32(nth(buckets, i, 4)?)?).ok()?);
    }
    if last == 0 {
        return Some(symoffset); // no hashed symbol
    }
    if last < symoffset {
        return None;
    }
    // Walk the last chain to its end, marked by the low bit; every step
    // reads further into the image, so the walk ends.
    loop {
        let hash = b.u32(nth(chains, last - symoffset, 4)?)?;
        if hash & 1 == 1 {
            return last.checked_add(1);
        }
        last += 1;
    }
}
