//! The vDSO reader on images built here (pure logic, also under Miri),
//! and on the kernel's own vDSO (natively).

use std::vec;
use std::vec::Vec;

use super::elf::{Class, Image, Versioned, image_len};
use super::{ABIS, Abi, clock, decode};

/// The rows of arm and i686.
const ARM: &Abi = &ABIS[4];
const I686: &Abi = &ABIS[5];
/// The other symbol of the i686 vDSO.
const VSYSCALL: Versioned = clock("__kernel_vsyscall", "LINUX_2.5");

/// Which hash tables an image has.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Hash {
    Sysv,
    Gnu,
    Both,
}

/// A symbol to put in an image: name, version ("" for none), `st_info`,
/// `st_shndx`.
#[derive(Clone, Copy)]
struct Sym {
    name: &'static str,
    version: &'static str,
    info: u8,
    shndx: u16,
}

/// A global function symbol in section 7.
const fn func(name: &'static str, version: &'static str) -> Sym {
    Sym {
        name,
        version,
        info: 1 << 4 | 2,
        shndx: 7,
    }
}

/// A built image and where its parts are.
struct Built {
    bytes: Vec<u8>,
    class: Class,
    phoff: usize,
    dynamic: usize,
    hash: usize,
    gnu_hash: usize,
    symtab: usize,
    strtab: usize,
    versym: usize,
    verdef: usize,
    /// The offset of each symbol's function (index 0 is the null symbol).
    funcs: Vec<usize>,
}

/// `DT_*` tags, from the gABI and the LSB (written out again here, not
/// taken from the reader).
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_STRSZ: u64 = 10;
const DT_SYMENT: u64 = 11;
const DT_GNU_HASH: u64 = 0x6fff_fef5;
const DT_VERSYM: u64 = 0x6fff_fff0;
const DT_VERDEF: u64 = 0x6fff_fffc;
const DT_VERDEFNUM: u64 = 0x6fff_fffd;

fn word_size(class: Class) -> usize {
    match class {
        Class::Elf32 => 4,
        Class::Elf64 => 8,
    }
}

fn put(bytes: &mut [u8], at: usize, value: u64, size: usize) {
    let le = value.to_ne_bytes();
    let b = if cfg!(target_endian = "little") {
        &le[..size]
    } else {
        &le[8 - size..]
    };
    bytes[at..at + size].copy_from_slice(b);
}

fn get(bytes: &[u8], at: usize, size: usize) -> u64 {
    let mut v = [0u8; 8];
    if cfg!(target_endian = "little") {
        v[..size].copy_from_slice(&bytes[at..at + size]);
    } else {
        v[8 - size..].copy_from_slice(&bytes[at..at + size]);
    }
    u64::from_ne_bytes(v)
}

fn align(v: &mut Vec<u8>, to: usize) {
    while !v.len().is_multiple_of(to) {
        v.push(0);
    }
}

/// An image for `abi` with `syms` (after the null symbol), linked at
/// `vaddr`, as the kernel's linker scripts lay a vDSO out: ELF header,
/// program headers (`PT_LOAD`, `PT_DYNAMIC`, `PT_NOTE`), hash tables,
/// symbols, strings, version tables, the dynamic section, then code.
fn build(abi: &Abi, syms: &[Sym], hash: Hash, vaddr: u64) -> Built {
    let l = abi.class.layout();
    let w = word_size(abi.class);
    let nsyms = syms.len() + 1;
    let mut versions: Vec<&str> = Vec::new();
    for s in syms {
        if !s.version.is_empty() && !versions.contains(&s.version) {
            versions.push(s.version);
        }
    }

    let mut b = vec![0u8; l.ehdr];
    let phoff = b.len();
    b.resize(phoff + 3 * l.phdr, 0);

    let sysv = b.len();
    if hash != Hash::Gnu {
        for v in [1, nsyms as u64, 1] {
            b.extend_from_slice(&(v as u32).to_ne_bytes()); // nbucket, nchain, bucket[0]
        }
        for i in 0..nsyms {
            let next = if i + 1 < nsyms { i + 1 } else { 0 };
            b.extend_from_slice(&(next as u32).to_ne_bytes());
        }
    }
    align(&mut b, 8);
    let gnu = b.len();
    if hash != Hash::Sysv {
        // nbuckets 1, symoffset 1, one bloom word, shift 6; the bucket
        // starts at symbol 1; one chain through all, ended by bit 0.
        for v in [1u32, 1, 1, 6] {
            b.extend_from_slice(&v.to_ne_bytes());
        }
        b.resize(b.len() + w, 0xff);
        b.extend_from_slice(&1u32.to_ne_bytes());
        for i in 1..nsyms {
            let end = u32::from(i + 1 == nsyms);
            b.extend_from_slice(&(0x1234_5670 | end).to_ne_bytes());
        }
    }
    align(&mut b, 8);
    let symtab = b.len();
    b.resize(symtab + nsyms * l.sym, 0);

    // The version names first, so that the symbol names end the table.
    let strtab = b.len();
    b.push(0);
    let mut version_at = Vec::new();
    for v in ["linux-vdso.so.1"].iter().chain(&versions) {
        version_at.push(b.len() - strtab);
        b.extend_from_slice(v.as_bytes());
        b.push(0);
    }
    let mut name_at = Vec::new();
    for s in syms {
        name_at.push(b.len() - strtab);
        b.extend_from_slice(s.name.as_bytes());
        b.push(0);
    }
    let strsz = b.len() - strtab;
    align(&mut b, 8);

    let versym = b.len();
    b.extend_from_slice(&0u16.to_ne_bytes());
    for s in syms {
        let index = versions
            .iter()
            .position(|v| *v == s.version)
            .map_or(1, |i| i + 2);
        b.extend_from_slice(&(index as u16).to_ne_bytes());
    }
    align(&mut b, 8);

    // The base definition (index 1, the file's name), then one per
    // version from index 2; each is followed by its one `Verdaux`.
    let verdef = b.len();
    let ndefs = versions.len() + 1;
    for (i, &name) in version_at.iter().enumerate() {
        let flags: u16 = if i == 0 { 1 } else { 0 };
        for v in [1u16, flags, i as u16 + 1, 1] {
            b.extend_from_slice(&v.to_ne_bytes());
        }
        let next = if i + 1 < ndefs { 28u32 } else { 0 };
        for v in [0xdead_beef_u32, 20, next, name as u32, 0] {
            b.extend_from_slice(&v.to_ne_bytes()); // hash, aux, next; vda_name, vda_next
        }
    }
    align(&mut b, 8);

    let dynamic = b.len();
    let mut tags = Vec::new();
    if hash != Hash::Gnu {
        tags.push((DT_HASH, vaddr + sysv as u64));
    }
    if hash != Hash::Sysv {
        tags.push((DT_GNU_HASH, vaddr + gnu as u64));
    }
    tags.extend([
        (DT_STRTAB, vaddr + strtab as u64),
        (DT_SYMTAB, vaddr + symtab as u64),
        (DT_STRSZ, strsz as u64),
        (DT_SYMENT, l.sym as u64),
        (DT_VERSYM, vaddr + versym as u64),
        (DT_VERDEF, vaddr + verdef as u64),
        (DT_VERDEFNUM, ndefs as u64),
        (0, 0),
    ]);
    for (tag, value) in tags {
        let at = b.len();
        b.resize(at + 2 * w, 0);
        put(&mut b, at, tag, w);
        put(&mut b, at + w, value, w);
    }
    let dynamic_len = b.len() - dynamic;

    align(&mut b, 16);
    let mut funcs = vec![0];
    for (i, s) in syms.iter().enumerate() {
        let at = b.len();
        b.extend_from_slice(&[0xcc; 16]);
        funcs.push(at);
        let sym = symtab + (i + 1) * l.sym;
        put(&mut b, sym, name_at[i] as u64, 4);
        b[sym + l.st_info] = s.info;
        put(&mut b, sym + l.st_shndx, u64::from(s.shndx), 2);
        put(&mut b, sym + l.st_value, vaddr + at as u64, w);
    }
    let len = b.len();

    b[..4].copy_from_slice(b"\x7fELF");
    b[4] = match abi.class {
        Class::Elf32 => 1,
        Class::Elf64 => 2,
    };
    b[5] = if cfg!(target_endian = "little") { 1 } else { 2 };
    b[6] = 1;
    put(&mut b, 16, 3, 2); // ET_DYN
    put(&mut b, 18, u64::from(abi.machine), 2);
    put(&mut b, 20, 1, 4);
    put(&mut b, l.e_phoff, phoff as u64, w);
    put(&mut b, l.e_phentsize, l.phdr as u64, 2);
    put(&mut b, l.e_phnum, 3, 2);
    // (type, flags, offset, vaddr, filesz, memsz)
    let phdrs = [
        (1, 5, 0, vaddr, len, len),
        (
            2,
            4,
            dynamic,
            vaddr + dynamic as u64,
            dynamic_len,
            dynamic_len,
        ),
        (4, 4, strtab, vaddr + strtab as u64, 4, 4),
    ];
    for (i, (kind, flags, offset, at_vaddr, filesz, memsz)) in phdrs.into_iter().enumerate() {
        let p = phoff + i * l.phdr;
        put(&mut b, p, kind, 4);
        put(&mut b, p + l.p_flags, flags, 4);
        put(&mut b, p + l.p_offset, offset as u64, w);
        put(&mut b, p + l.p_vaddr, at_vaddr, w);
        put(&mut b, p + l.p_filesz, filesz as u64, w);
        put(&mut b, p + l.p_memsz, memsz as u64, w);
    }
    Built {
        bytes: b,
        class: abi.class,
        phoff,
        dynamic,
        hash: sysv,
        gnu_hash: gnu,
        symtab,
        strtab,
        versym,
        verdef,
        funcs,
    }
}

fn lookup(bytes: &[u8], abi: &Abi, want: Versioned) -> Option<usize> {
    Image::parse(bytes, abi)?.lookup(want)
}

/// The clock symbol of `abi` among decoys: the same name in another
/// version, an unversioned one, and other functions of the same version.
fn typical(abi: &Abi) -> [Sym; 5] {
    let c = abi.clock_gettime;
    [
        func("__vdso_time", c.version),
        func(c.name, "LINUX_0.1"),
        func("__vdso_getcpu", c.version),
        func(c.name, c.version),
        func("__vdso_gettimeofday", ""),
    ]
}

#[test]
fn layouts_are_the_elf_structures() {
    use core::mem::{offset_of, size_of};
    let l = Class::Elf64.layout();
    assert_eq!(l.ehdr, size_of::<libc::Elf64_Ehdr>());
    assert_eq!(l.e_phoff, offset_of!(libc::Elf64_Ehdr, e_phoff));
    assert_eq!(l.e_phentsize, offset_of!(libc::Elf64_Ehdr, e_phentsize));
    assert_eq!(l.e_phnum, offset_of!(libc::Elf64_Ehdr, e_phnum));
    assert_eq!(l.phdr, size_of::<libc::Elf64_Phdr>());
    assert_eq!(l.p_flags, offset_of!(libc::Elf64_Phdr, p_flags));
    assert_eq!(l.p_offset, offset_of!(libc::Elf64_Phdr, p_offset));
    assert_eq!(l.p_vaddr, offset_of!(libc::Elf64_Phdr, p_vaddr));
    assert_eq!(l.p_filesz, offset_of!(libc::Elf64_Phdr, p_filesz));
    assert_eq!(l.p_memsz, offset_of!(libc::Elf64_Phdr, p_memsz));
    assert_eq!(l.sym, size_of::<libc::Elf64_Sym>());
    assert_eq!(l.st_info, offset_of!(libc::Elf64_Sym, st_info));
    assert_eq!(l.st_shndx, offset_of!(libc::Elf64_Sym, st_shndx));
    assert_eq!(l.st_value, offset_of!(libc::Elf64_Sym, st_value));
    let l = Class::Elf32.layout();
    assert_eq!(l.ehdr, size_of::<libc::Elf32_Ehdr>());
    assert_eq!(l.e_phoff, offset_of!(libc::Elf32_Ehdr, e_phoff));
    assert_eq!(l.e_phentsize, offset_of!(libc::Elf32_Ehdr, e_phentsize));
    assert_eq!(l.e_phnum, offset_of!(libc::Elf32_Ehdr, e_phnum));
    assert_eq!(l.phdr, size_of::<libc::Elf32_Phdr>());
    assert_eq!(l.p_flags, offset_of!(libc::Elf32_Phdr, p_flags));
    assert_eq!(l.p_offset, offset_of!(libc::Elf32_Phdr, p_offset));
    assert_eq!(l.p_vaddr, offset_of!(libc::Elf32_Phdr, p_vaddr));
    assert_eq!(l.p_filesz, offset_of!(libc::Elf32_Phdr, p_filesz));
    assert_eq!(l.p_memsz, offset_of!(libc::Elf32_Phdr, p_memsz));
    assert_eq!(l.sym, size_of::<libc::Elf32_Sym>());
    assert_eq!(l.st_info, offset_of!(libc::Elf32_Sym, st_info));
    assert_eq!(l.st_shndx, offset_of!(libc::Elf32_Sym, st_shndx));
    assert_eq!(l.st_value, offset_of!(libc::Elf32_Sym, st_value));
}

#[test]
fn rows_name_the_kernels_machines() {
    for abi in ABIS.iter() {
        let machine = match abi.arch {
            "x86_64" => libc::EM_X86_64,
            "aarch64" => libc::EM_AARCH64,
            "riscv64" => libc::EM_RISCV,
            "arm" => libc::EM_ARM,
            "x86" => libc::EM_386,
            "loongarch64" => 258, // EM_LOONGARCH, not in the libc crate
            other => panic!("no machine known for {other}"),
        };
        assert_eq!(abi.machine, machine, "{}", abi.arch);
    }
    assert_eq!(super::ABI.arch, crate::arch::NAME);
}

#[test]
fn finds_each_rows_clock_in_an_image_laid_out_like_its_vdso() {
    for abi in ABIS.iter() {
        for hash in [Hash::Sysv, Hash::Gnu, Hash::Both] {
            for vaddr in [0, 0xffff_f000] {
                let img = build(abi, &typical(abi), hash, vaddr);
                let found = lookup(&img.bytes, abi, abi.clock_gettime);
                assert_eq!(
                    found,
                    Some(img.funcs[4]),
                    "{} {hash:?} {vaddr:#x}",
                    abi.arch
                );
                assert_eq!(image_len(&img.bytes, abi), Some(img.bytes.len()));
            }
        }
    }
}

#[test]
fn finds_the_i686_system_call_entry_in_its_own_version() {
    let abi = I686;
    assert_eq!(abi.syscall, Some(VSYSCALL));
    let syms = [
        func("__vdso_clock_gettime64", "LINUX_2.6"),
        func("__kernel_vsyscall", "LINUX_2.5"),
        func("__kernel_sigreturn", "LINUX_2.5"),
    ];
    let img = build(abi, &syms, Hash::Sysv, 0);
    assert_eq!(lookup(&img.bytes, abi, VSYSCALL), Some(img.funcs[2]));
    assert_eq!(
        lookup(&img.bytes, abi, abi.clock_gettime),
        Some(img.funcs[1])
    );
    let wrong = clock("__kernel_vsyscall", "LINUX_2.6");
    assert_eq!(lookup(&img.bytes, abi, wrong), None);
}

#[test]
fn a_missing_symbol_or_version_is_not_found() {
    let abi = &ABIS[0];
    let img = build(abi, &typical(abi), Hash::Both, 0);
    for want in [
        clock("__vdso_clock_gettime", "LINUX_2.7"),
        clock("__vdso_clock_gettime", "LINUX_2"),
        clock("__vdso_clock_gettim", "LINUX_2.6"),
        clock("__vdso_clock_gettimeX", "LINUX_2.6"),
        clock("__vdso_gettimeofday", "LINUX_2.6"), // present, unversioned
        clock("__vdso_clock_gettime", "linux-vdso.so.1"), // the base "version"
    ] {
        assert_eq!(lookup(&img.bytes, abi, want), None, "{want:?}");
    }
    // An image without the function at all.
    let img = build(abi, &typical(abi)[..3], Hash::Sysv, 0);
    assert_eq!(lookup(&img.bytes, abi, abi.clock_gettime), None);
}

#[test]
fn an_image_of_another_machine_or_class_is_rejected() {
    let x86_64 = &ABIS[0];
    let img = build(x86_64, &typical(x86_64), Hash::Sysv, 0);
    for other in ABIS[1..].iter() {
        assert_eq!(image_len(&img.bytes, other), None, "{}", other.arch);
        assert_eq!(lookup(&img.bytes, other, x86_64.clock_gettime), None);
    }
}

/// Offsets of fields in a built image, for the corruptions below.
fn phdr(img: &Built, i: usize) -> usize {
    img.phoff + i * img.class.layout().phdr
}

/// The `i`th entry of the dynamic section (0: `DT_HASH`, 1: `DT_GNU_HASH`
/// with `Hash::Both`).
fn dyn_entry(img: &Built, i: usize) -> usize {
    img.dynamic + i * 2 * word_size(img.class)
}

/// The dynamic entry whose tag is `tag`.
fn dyn_tag(img: &Built, tag: u64) -> usize {
    let w = word_size(img.class);
    (0..)
        .map(|i| dyn_entry(img, i))
        .take_while(|&at| at < img.bytes.len())
        .find(|&at| get(&img.bytes, at, w) == tag)
        .expect("no such tag")
}

type Break = fn(&mut Built);

/// One corruption per check the reader makes; each alone makes the lookup
/// of an otherwise good image fail.
fn corruptions() -> Vec<(&'static str, Break)> {
    fn w(img: &Built) -> usize {
        word_size(img.class)
    }
    fn set(img: &mut Built, at: usize, value: u64, size: usize) {
        put(&mut img.bytes, at, value, size);
    }
    fn set_word(img: &mut Built, at: usize, value: u64) {
        let w = w(img);
        put(&mut img.bytes, at, value, w);
    }
    fn load_field(img: &Built, field: fn(&super::elf::Layout) -> usize) -> usize {
        phdr(img, 0) + field(img.class.layout())
    }
    fn sym(img: &Built, i: usize) -> usize {
        img.symtab + i * img.class.layout().sym
    }
    /// The `st_name` of the clock symbol (symbol 4 of `typical`).
    fn clock_name(img: &Built) -> usize {
        get(&img.bytes, sym(img, 4), 4) as usize
    }
    vec![
        ("magic", |i| i.bytes[1] = b'e'),
        ("class", |i| i.bytes[4] ^= 3),
        ("byte order", |i| i.bytes[5] ^= 3),
        ("ident version", |i| i.bytes[6] = 2),
        ("type ET_EXEC", |i| set(i, 16, 2, 2)),
        ("machine", |i| set(i, 18, 0x3e3e, 2)),
        ("version", |i| set(i, 20, 0, 4)),
        ("phentsize", |i| {
            let at = i.class.layout().e_phentsize;
            set(i, at, 40, 2)
        }),
        ("phoff past the end", |i| {
            let at = i.class.layout().e_phoff;
            let n = i.bytes.len() as u64;
            set_word(i, at, n - 8)
        }),
        ("phoff inside the header", |i| {
            let at = i.class.layout().e_phoff;
            set_word(i, at, 8)
        }),
        ("phnum huge", |i| {
            let at = i.class.layout().e_phnum;
            set(i, at, 0xffff, 2)
        }),
        ("phoff overflowing", |i| {
            let at = i.class.layout().e_phoff;
            set_word(i, at, u64::MAX - 8)
        }),
        ("two PT_LOAD", |i| {
            let at = phdr(i, 2);
            set(i, at, 1, 4)
        }),
        ("two PT_DYNAMIC", |i| {
            let at = phdr(i, 2);
            set(i, at, 2, 4)
        }),
        ("no PT_DYNAMIC", |i| {
            let at = phdr(i, 1);
            set(i, at, 4, 4)
        }),
        ("no PT_LOAD", |i| {
            let at = phdr(i, 0);
            set(i, at, 6, 4)
        }),
        ("PT_LOAD not at offset 0", |i| {
            let at = load_field(i, |l| l.p_offset);
            set_word(i, at, 4096)
        }),
        ("PT_LOAD not executable", |i| {
            let at = load_field(i, |l| l.p_flags);
            set(i, at, 4, 4)
        }),
        ("PT_LOAD not readable", |i| {
            let at = load_field(i, |l| l.p_flags);
            set(i, at, 1, 4)
        }),
        ("p_filesz beyond the bytes", |i| {
            let (at, m) = (load_field(i, |l| l.p_filesz), load_field(i, |l| l.p_memsz));
            let n = i.bytes.len() as u64;
            set_word(i, at, n + 1);
            set_word(i, m, n + 1)
        }),
        ("p_filesz beyond p_memsz", |i| {
            let at = load_field(i, |l| l.p_memsz);
            let n = i.bytes.len() as u64;
            set_word(i, at, n - 1)
        }),
        ("p_filesz cutting off the program headers", |i| {
            let at = load_field(i, |l| l.p_filesz);
            set_word(i, at, 60)
        }),
        ("p_filesz cutting off the function", |i| {
            let at = load_field(i, |l| l.p_filesz);
            let f = i.funcs[4] as u64;
            set_word(i, at, f)
        }),
        ("PT_DYNAMIC past the end", |i| {
            let at = phdr(i, 1) + i.class.layout().p_filesz;
            set_word(i, at, 1 << 20)
        }),
        ("PT_DYNAMIC at the wrong address", |i| {
            let at = phdr(i, 1) + i.class.layout().p_vaddr;
            let d = i.dynamic as u64;
            set_word(i, at, d + 8)
        }),
        ("no DT_NULL", |i| {
            let at = phdr(i, 1) + i.class.layout().p_filesz;
            let n = (dyn_tag(i, 0) - i.dynamic) as u64;
            set_word(i, at, n)
        }),
        ("a tag twice", |i| {
            let (a, b) = (dyn_tag(i, DT_STRSZ), dyn_tag(i, DT_SYMENT));
            let w = w(i);
            set_word(i, b, DT_STRSZ);
            let v = i.bytes[a + w..a + 2 * w].to_vec();
            i.bytes[b + w..b + 2 * w].copy_from_slice(&v)
        }),
        ("no DT_SYMTAB", |i| {
            let at = dyn_tag(i, DT_SYMTAB);
            set_word(i, at, 0x7000_0000)
        }),
        ("no DT_STRTAB", |i| {
            let at = dyn_tag(i, DT_STRTAB);
            set_word(i, at, 0x7000_0000)
        }),
        ("no DT_STRSZ", |i| {
            let at = dyn_tag(i, DT_STRSZ);
            set_word(i, at, 0x7000_0000)
        }),
        ("no DT_VERSYM", |i| {
            let at = dyn_tag(i, DT_VERSYM);
            set_word(i, at, 0x7000_0000)
        }),
        ("no DT_VERDEF", |i| {
            let at = dyn_tag(i, DT_VERDEF);
            set_word(i, at, 0x7000_0000)
        }),
        ("no DT_VERDEFNUM", |i| {
            let at = dyn_tag(i, DT_VERDEFNUM);
            set_word(i, at, 0x7000_0000)
        }),
        ("no hash table", |i| {
            let at = dyn_tag(i, DT_HASH);
            set_word(i, at, 0x7000_0000)
        }),
        ("DT_SYMTAB below the image", |i| {
            let at = dyn_tag(i, DT_SYMTAB) + w(i);
            set_word(i, at, 0xffff_0000)
        }),
        ("DT_SYMTAB past the end", |i| {
            let at = dyn_tag(i, DT_SYMTAB) + w(i);
            set_word(i, at, 0xffff_f000 + (1 << 20))
        }),
        ("DT_STRSZ past the end", |i| {
            let at = dyn_tag(i, DT_STRSZ) + w(i);
            set_word(i, at, 1 << 20)
        }),
        ("DT_SYMENT", |i| {
            let at = dyn_tag(i, DT_SYMENT) + w(i);
            set_word(i, at, 20)
        }),
        ("nchain past the end", |i| {
            let at = i.hash + 4;
            set(i, at, 1 << 20, 4)
        }),
        ("nchain huge", |i| {
            let at = i.hash + 4;
            set(i, at, u64::from(u32::MAX), 4)
        }),
        ("no version index for a symbol", |i| {
            let at = i.versym + 2 * 4;
            set(i, at, 9, 2)
        }),
        ("the base version", |i| {
            let at = i.versym + 2 * 4;
            set(i, at, 1, 2)
        }),
        ("vd_version", |i| {
            let at = i.verdef;
            set(i, at, 2, 2)
        }),
        ("verdef chain cut", |i| {
            let at = i.verdef + 16;
            set(i, at, 0, 4)
        }),
        ("verdef chain running off", |i| {
            let at = i.verdef + 16;
            set(i, at, 1 << 20, 4)
        }),
        ("vd_aux past the end", |i| {
            for d in 0..3 {
                let at = i.verdef + 28 * d + 12;
                set(i, at, 1 << 20, 4)
            }
        }),
        ("vd_cnt 0", |i| {
            for d in 0..3 {
                let at = i.verdef + 28 * d + 6;
                set(i, at, 0, 2)
            }
        }),
        ("version name past the strings", |i| {
            for d in 0..3 {
                let at = i.verdef + 28 * d + 20;
                set(i, at, 1 << 20, 4)
            }
        }),
        ("symbol name past the strings", |i| {
            let at = sym(i, 4);
            set(i, at, 1 << 20, 4)
        }),
        ("symbol name not NUL-terminated within DT_STRSZ", |i| {
            let at = dyn_tag(i, DT_STRSZ) + w(i);
            let name = clock_name(i);
            let len = i.bytes[i.strtab + name..]
                .iter()
                .position(|&b| b == 0)
                .unwrap();
            set_word(i, at, (name + len) as u64)
        }),
        ("undefined symbol", |i| {
            let at = sym(i, 4) + i.class.layout().st_shndx;
            set(i, at, 0, 2)
        }),
        ("local symbol", |i| {
            let at = sym(i, 4) + i.class.layout().st_info;
            i.bytes[at] = 2
        }),
        ("object, not function", |i| {
            let at = sym(i, 4) + i.class.layout().st_info;
            i.bytes[at] = 1 << 4 | 1
        }),
        ("symbol value below the image", |i| {
            let at = sym(i, 4) + i.class.layout().st_value;
            set_word(i, at, 0x1000)
        }),
        ("symbol value past the end", |i| {
            let at = sym(i, 4) + i.class.layout().st_value;
            let n = 0xffff_f000 + i.bytes.len() as u64;
            set_word(i, at, n)
        }),
        ("another name", |i| {
            let at = i.strtab + clock_name(i);
            i.bytes[at] = b'X'
        }),
    ]
}

#[test]
fn every_broken_field_makes_the_lookup_fail() {
    for abi in [&ABIS[0], ARM] {
        for (what, corrupt) in corruptions() {
            let mut img = build(abi, &typical(abi), Hash::Sysv, 0xffff_f000);
            assert!(
                lookup(&img.bytes, abi, abi.clock_gettime).is_some(),
                "{}: the good image",
                abi.arch
            );
            corrupt(&mut img);
            assert_eq!(
                lookup(&img.bytes, abi, abi.clock_gettime),
                None,
                "{}: {what}",
                abi.arch
            );
        }
    }
}

#[test]
fn a_broken_gnu_hash_makes_the_lookup_fail() {
    let abi = &ABIS[1];
    let cases: [(&str, Break); 5] = [
        ("no bucket, symoffset past the symbols", |i| {
            put(&mut i.bytes, i.gnu_hash + 4, 1 << 20, 4);
            put(&mut i.bytes, i.gnu_hash + 16 + 8, 0, 4);
        }),
        ("bucket below symoffset", |i| {
            put(&mut i.bytes, i.gnu_hash + 4, 3, 4); // symoffset 3, bucket 1
        }),
        ("bucket past the symbols", |i| {
            put(&mut i.bytes, i.gnu_hash + 16 + 8, 1 << 20, 4);
        }),
        ("bloom past the end", |i| {
            put(&mut i.bytes, i.gnu_hash + 8, 1 << 28, 4);
        }),
        ("nbuckets past the end", |i| {
            put(&mut i.bytes, i.gnu_hash, u64::from(u32::MAX), 4);
        }),
    ];
    for (what, corrupt) in cases {
        let mut img = build(abi, &typical(abi), Hash::Gnu, 0);
        assert!(lookup(&img.bytes, abi, abi.clock_gettime).is_some());
        corrupt(&mut img);
        assert_eq!(lookup(&img.bytes, abi, abi.clock_gettime), None, "{what}");
    }
}

#[test]
fn no_truncation_of_an_image_panics_or_reads_past_it() {
    for abi in [&ABIS[0], I686] {
        let img = build(abi, &typical(abi), Hash::Both, 0);
        for n in 0..img.bytes.len() {
            // A slice of exactly `n` bytes: Miri reports any read past it.
            let cut = img.bytes[..n].to_vec();
            assert_eq!(lookup(&cut, abi, abi.clock_gettime), None, "{n} bytes");
        }
    }
}

#[test]
fn no_changed_byte_makes_the_reader_panic() {
    let abi = &ABIS[2];
    let img = build(abi, &typical(abi), Hash::Both, 0);
    let step = if cfg!(miri) { 5 } else { 1 };
    for at in (0..img.bytes.len()).step_by(step) {
        for value in [0x00, 0x01, 0x7f, 0x80, 0xff, img.bytes[at] ^ 0x10] {
            let mut bytes = img.bytes.clone();
            bytes[at] = value;
            // Found or not, the answer is inside the image.
            if let Some(off) = lookup(&bytes, abi, abi.clock_gettime) {
                assert!(off < bytes.len());
            }
        }
    }
}

#[test]
fn no_address_or_a_misaligned_one_reads_no_image() {
    // Nothing is read: the checks come before any access, so this runs
    // under Miri too (which would report a read of these addresses).
    assert_eq!(super::find(0), None);
    assert_eq!(super::find(0x7fff_0800), None);
}

#[test]
fn vdso_results_decode_as_the_kernel_returns_them() {
    assert_eq!(decode(0), Some(Ok(())));
    assert_eq!(decode(-22).unwrap().unwrap_err().raw_os_error(), 22);
    assert_eq!(decode(-1).unwrap().unwrap_err().raw_os_error(), 1);
    assert_eq!(decode(-4095).unwrap().unwrap_err().raw_os_error(), 4095);
    for not_a_result in [1, 7, -4096, i32::MIN, i32::MAX] {
        assert!(decode(not_a_result).is_none(), "{not_a_result}");
    }
}

/// The kernel's own vDSO, natively: the function found is the one the
/// dynamic loader finds, and it tells the time. Under qemu-user, which
/// maps no vDSO, both agree that there is none.
#[test]
#[cfg(not(miri))]
fn the_kernels_vdso_gives_the_dynamic_loaders_clock_gettime() {
    // SAFETY: getauxval has no preconditions.
    let base = unsafe { libc::getauxval(libc::AT_SYSINFO_EHDR) } as usize;
    assert_eq!(crate::auxv::sysinfo_ehdr(), base);
    let ours = super::find(base);
    if base == 0 {
        assert_eq!(ours, None);
        return;
    }
    let want = super::ABI.clock_gettime;
    #[cfg(target_env = "gnu")]
    let theirs = {
        use core::ffi::CStr;
        use std::ffi::CString;

        // The soname the kernel links each vDSO with: i686's is
        // `linux-gate.so.1` (`-soname linux-gate.so.1` for vdso32 in
        // arch/x86/entry/vdso/Makefile), every other `linux-vdso.so.1`.
        let soname: &CStr = if super::ABI.arch == "x86" {
            c"linux-gate.so.1"
        } else {
            c"linux-vdso.so.1"
        };
        // SAFETY: a NUL-terminated name; RTLD_NOLOAD only looks the object
        // up.
        let handle = unsafe { libc::dlopen(soname.as_ptr(), libc::RTLD_LAZY | libc::RTLD_NOLOAD) };
        assert!(!handle.is_null(), "the loader does not know the vDSO");
        let (name, version) = (
            CString::new(want.name).unwrap(),
            CString::new(want.version).unwrap(),
        );
        // SAFETY: a handle from dlopen and NUL-terminated strings.
        let theirs = unsafe { libc::dlvsym(handle, name.as_ptr(), version.as_ptr()) } as usize;
        // The system-call entry, on the arch whose row has one: the
        // loader's `__kernel_vsyscall`, and the kernel's `AT_SYSINFO`.
        let entry = super::ABI.syscall.map(|want| {
            let (name, version) = (
                CString::new(want.name).unwrap(),
                CString::new(want.version).unwrap(),
            );
            // SAFETY: as above.
            let entry = unsafe { libc::dlvsym(handle, name.as_ptr(), version.as_ptr()) } as usize;
            // SAFETY: getauxval has no preconditions; 32 is `AT_SYSINFO`
            // (arch/x86/include/uapi/asm/auxvec.h).
            assert_eq!(entry, unsafe { libc::getauxval(32) } as usize);
            entry
        });
        // SAFETY: the handle came from dlopen above.
        unsafe { libc::dlclose(handle) };
        assert_ne!(theirs, 0);
        assert_eq!(ours, Some((Some(theirs), entry)));
        theirs
    };
    // musl (the loongarch64 tests) has no dlvsym, and a static program no
    // loader: there the time read below, between two of libc's, is the
    // check.
    #[cfg(not(target_env = "gnu"))]
    let theirs = ours
        .and_then(|(clock, _)| clock)
        .expect("the kernel maps a vDSO, and its clock is not found");

    let now = || {
        let mut ts = core::mem::MaybeUninit::<libc::timespec>::uninit();
        // SAFETY: a valid clock and a timespec to write.
        let r = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, ts.as_mut_ptr()) };
        assert_eq!(r, 0);
        // SAFETY: initialised by the successful call.
        let ts = unsafe { ts.assume_init() };
        (ts.tv_sec, ts.tv_nsec)
    };
    // libc's `time_t` and `long` are 32 bits wide on the 32-bit targets.
    // (musl marks its `time_t` deprecated, as it widens on 32-bit targets.)
    #[allow(deprecated)]
    let libc_time =
        |ts: crate::sys::Timespec| (ts.tv_sec as libc::time_t, ts.tv_nsec as libc::c_long);
    let before = now();
    let mut ts = crate::sys::Timespec::default();
    // SAFETY: the vDSO's clock_gettime (the loader agrees), and a valid
    // timespec to write.
    let f = unsafe { core::mem::transmute::<usize, super::ClockGettime>(theirs) };
    // SAFETY: as above.
    assert_eq!(unsafe { f(libc::CLOCK_MONOTONIC, &mut ts) }, 0);
    let after = now();
    assert!(ts.tv_sec > 0 || ts.tv_nsec > 0);
    assert!(before <= libc_time(ts) && libc_time(ts) <= after);

    // The same image, asked for a version it does not define.
    let at = core::ptr::with_exposed_provenance::<u8>(base);
    // SAFETY: the kernel's vDSO, whose header `find` read above.
    let head = unsafe { core::slice::from_raw_parts(at, super::MIN_PAGE) };
    let len = image_len(head, &super::ABI).unwrap();
    // SAFETY: as in `find`.
    let image = unsafe { core::slice::from_raw_parts(at, len) };
    let image = Image::parse(image, &super::ABI).unwrap();
    assert_eq!(image.lookup(clock(want.name, "LINUX_0")), None);
}
