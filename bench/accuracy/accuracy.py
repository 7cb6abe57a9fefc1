#!/usr/bin/env python3
"""bench/accuracy: how close `zhconv --to=cn|tw` and `opencc -c tw2sp|s2twp`
come to what human translators wrote.

The corpus is the zh_TW and zh_CN translations that Debian packages ship as
.mo files (GNU tools, GNOME, Xfce, MATE, KDE, ...), turned back into text with
msgunfmt and aligned by (package, domain, msgctxt, msgid, plural index).  Only
pairs that look like conversions of each other, rather than two independent
translations, are kept; the selection uses OpenCC's script-only `t2s`/`s2t`,
never zhconv.  The pairs are split by package into a DEV half (read while
curating the vocabulary) and a TEST half (measured only).  See README.md
beside this file.

Standard library only.  Run through bench/accuracy/run.
"""

import argparse
import collections
import concurrent.futures
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

# Bump when the rules that select pairs change (it is printed with the
# corpus checksum, so two runs can be compared).
CORPUS_RULES = 1

# The zhconv rows besides the default one (each is skipped, with a note, when
# the zhconv under test does not accept its options).
DEFAULT_VARIANTS = ('--domain=software', '--domain=software --punct')

# Default similarity threshold: see README.md ("How pairs are selected").
DEFAULT_THRESHOLD = 0.80

LOCALE_ROOTS = ('usr/share/locale', 'usr/share/locale-langpack')
MO_MEMBER = re.compile(
    r'^\.?/?(usr/share/locale(?:-langpack)?)/(zh_CN|zh_TW)/LC_MESSAGES/([^/]+)\.mo$')


def die(msg):
    print('accuracy: ' + msg, file=sys.stderr)
    sys.exit(1)


def note(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- packages

def read_packages(path):
    pkgs = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                pkgs.extend(line.split())
    if not pkgs:
        die('%s lists no package' % path)
    return pkgs


def install(pkgs, cache):
    """apt-get download PKGS and keep only their zh_CN/zh_TW .mo files.

    Nothing is installed on the system: the .debs are unpacked into
    CACHE/tree/PACKAGE/ and deleted, with CACHE/tree/MANIFEST recording each
    package's version and the checksum of its .deb."""
    debs = os.path.join(cache, 'debs')
    tree = os.path.join(cache, 'tree')
    for d in (debs, tree):
        if os.path.isdir(d):
            _rmtree(d)
        os.makedirs(d)
    if os.geteuid() == 0:
        try:                        # let apt download as its sandbox user
            import pwd
            os.chown(debs, pwd.getpwnam('_apt').pw_uid, -1)
        except (KeyError, OSError):
            pass
        note('accuracy: apt-get update')
        subprocess.run(['apt-get', 'update', '-q'], stdout=subprocess.DEVNULL,
                       check=False)
    note('accuracy: apt-get download %d packages into %s' % (len(pkgs), debs))
    r = subprocess.run(['apt-get', 'download', '-q'] + pkgs, cwd=debs,
                       stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        die('apt-get download failed (as root, run apt-get update first; '
            'a package that no longer exists must leave packages.txt)')
    manifest = []
    size = 0
    for name in sorted(os.listdir(debs)):
        if not name.endswith('.deb'):
            continue
        path = os.path.join(debs, name)
        size += os.path.getsize(path)
        fields = subprocess.run(['dpkg-deb', '-f', path, 'Package', 'Version'],
                                stdout=subprocess.PIPE, check=True,
                                universal_newlines=True).stdout
        info = dict(l.split(': ', 1) for l in fields.splitlines() if ': ' in l)
        pkg, ver = info['Package'], info['Version']
        with open(path, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        n = _extract_mo(path, os.path.join(tree, pkg))
        manifest.append('%s\t%s\t%s\t%d' % (pkg, ver, digest, n))
        os.unlink(path)
    os.rmdir(debs)
    got = {m.split('\t')[0] for m in manifest}
    missing = [p for p in pkgs if p not in got]
    if missing:
        die('not downloaded: ' + ' '.join(missing))
    with open(os.path.join(tree, 'MANIFEST'), 'w', encoding='utf-8') as f:
        f.write('# package\tversion\tsha256 of the .deb\tzh .mo files\n')
        f.write('\n'.join(manifest) + '\n')
    note('accuracy: %d packages (%.0f MB of .deb) unpacked into %s'
         % (len(manifest), size / 1e6, tree))


def _extract_mo(deb, dest):
    proc = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', deb],
                            stdout=subprocess.PIPE)
    n = 0
    with tarfile.open(fileobj=proc.stdout, mode='r|*') as tf:
        for m in tf:
            hit = MO_MEMBER.match(m.name)
            if not hit or not m.isreg():
                continue
            root, loc, domain = hit.groups()
            out = os.path.join(dest, root, loc, 'LC_MESSAGES', domain + '.mo')
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, 'wb') as f:
                f.write(tf.extractfile(m).read())
            n += 1
    proc.stdout.close()
    if proc.wait() != 0:
        die('dpkg-deb --fsys-tarfile %s failed' % deb)
    return n


def _rmtree(d):
    for root, dirs, files in os.walk(d, topdown=False):
        for f in files:
            os.unlink(os.path.join(root, f))
        for x in dirs:
            p = os.path.join(root, x)
            (os.unlink if os.path.islink(p) else os.rmdir)(p)
    os.rmdir(d)


def domains_in(prefix):
    """(root, domain) pairs with both zh_CN and zh_TW .mo under PREFIX."""
    found = []
    for root in LOCALE_ROOTS:
        dirs = [os.path.join(prefix, root, loc, 'LC_MESSAGES')
                for loc in ('zh_CN', 'zh_TW')]
        if not all(os.path.isdir(d) for d in dirs):
            continue
        cn = {f[:-3] for f in os.listdir(dirs[0]) if f.endswith('.mo')}
        tw = {f[:-3] for f in os.listdir(dirs[1]) if f.endswith('.mo')}
        found.extend((root, d) for d in sorted(cn & tw))
    return found


def sources_from_tree(tree):
    """[(package, version, domain, tw_mo, cn_mo)] from an --install tree."""
    manifest = os.path.join(tree, 'MANIFEST')
    if not os.path.isfile(manifest):
        die('no corpus in %s: run bench/accuracy/run --install first '
            '(or --system to read the installed system\'s translations)' % tree)
    versions = {}
    with open(manifest, encoding='utf-8') as f:
        for line in f:
            if not line.startswith('#'):
                p = line.rstrip('\n').split('\t')
                versions[p[0]] = p[1]
    out = []
    for pkg in sorted(versions):
        base = os.path.join(tree, pkg)
        for root, dom in domains_in(base):
            out.append((pkg, versions[pkg], dom,
                        os.path.join(base, root, 'zh_TW', 'LC_MESSAGES', dom + '.mo'),
                        os.path.join(base, root, 'zh_CN', 'LC_MESSAGES', dom + '.mo')))
    return out


def sources_from_system():
    """The same from the installed system's /usr/share/locale{,-langpack}."""
    out = []
    pairs = domains_in('/')
    paths = ['/%s/zh_TW/LC_MESSAGES/%s.mo' % (r, d) for r, d in pairs]
    owner = {}
    if paths:
        r = subprocess.run(['dpkg', '-S'] + paths, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, universal_newlines=True)
        for line in r.stdout.splitlines():
            pkgs, _, path = line.rpartition(': ')
            owner[path] = pkgs.split(',')[0].strip().split(':')[0]
    names = sorted(set(owner.values()))
    versions = {}
    if names:
        r = subprocess.run(['dpkg-query', '-W', '-f', '${Package}\t${Version}\n']
                           + names, stdout=subprocess.PIPE,
                           universal_newlines=True)
        for line in r.stdout.splitlines():
            p, _, v = line.partition('\t')
            versions[p] = v
    for (root, dom), tw in zip(pairs, paths):
        pkg = owner.get(tw, '(unowned)')
        out.append((pkg, versions.get(pkg, '?'), dom, tw,
                    '/%s/zh_CN/LC_MESSAGES/%s.mo' % (root, dom)))
    out.sort()
    return out


# ---------------------------------------------------------------- PO text

PO_ESCAPES = {'n': '\n', 't': '\t', 'r': '\r', '"': '"', '\\': '\\',
              'a': '\a', 'b': '\b', 'f': '\f', 'v': '\v', '?': '?', "'": "'"}
PO_ESCAPE_RE = re.compile(r'\\(x[0-9A-Fa-f]+|[0-7]{1,3}|.)', re.S)
CODECS = {'big5': 'cp950', 'gb2312': 'gb18030', 'gbk': 'gb18030',
          'euc-cn': 'gb18030', 'utf8': 'utf-8', 'charset': 'utf-8'}


def po_unquote(s):
    if '\\' not in s:
        return s

    def sub(m):
        e = m.group(1)
        if e[0] == 'x' and len(e) > 1:
            return chr(int(e[1:], 16))
        if e[0] in '01234567':
            return chr(int(e, 8))
        return PO_ESCAPES.get(e, e)
    return PO_ESCAPE_RE.sub(sub, s)


def parse_po(text):
    """Entries of a PO file as dicts: msgctxt, msgid, msgid_plural (absent
    when not in the entry), msgstr {index: text}, flags (set)."""
    entries = []
    cur = {}
    key = None

    def complete():
        return 'msgid' in cur and 'msgstr' in cur

    for lineno, raw in enumerate(text.split('\n'), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith('#'):
            if line.startswith('#~'):
                continue                      # obsolete entry
            if complete():
                entries.append(cur)
                cur, key = {}, None
            if line.startswith('#,'):
                cur.setdefault('flags', set()).update(
                    f.strip() for f in line[2:].split(','))
            continue
        if line.startswith('"'):
            if key is None or not line.endswith('"'):
                raise ValueError('line %d: stray string' % lineno)
            s = po_unquote(line[1:-1])
            if key[0] == 'msgstr':
                cur['msgstr'][key[1]] += s
            else:
                cur[key[0]] += s
            continue
        kw, _, rest = line.partition(' ')
        rest = rest.strip()
        if len(rest) < 2 or rest[0] != '"' or rest[-1] != '"':
            raise ValueError('line %d: cannot parse %r' % (lineno, line[:60]))
        value = po_unquote(rest[1:-1])
        if kw in ('msgctxt', 'msgid') and complete():
            entries.append(cur)
            cur = {}
        if kw in ('msgctxt', 'msgid', 'msgid_plural'):
            cur[kw] = value
            key = (kw,)
        elif kw == 'msgstr' or re.match(r'msgstr\[\d+\]$', kw):
            idx = int(kw[7:-1]) if kw != 'msgstr' else 0
            cur.setdefault('msgstr', {})[idx] = value
            key = ('msgstr', idx)
        else:
            raise ValueError('line %d: unknown keyword %r' % (lineno, kw))
    if complete():
        entries.append(cur)
    return entries


PARSER_VERSION = 1


def read_mo(path, cache=None):
    """{(msgctxt, msgid, msgid_plural): {index: msgstr}} of one .mo file,
    through msgunfmt; fuzzy entries and the header are left out.  With
    CACHE (a directory), the result is kept there under the checksum of the
    .mo file."""
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    memo = None
    if cache:
        memo = os.path.join(cache, 'po%d-%s.json' % (PARSER_VERSION, digest))
        try:
            with open(memo, encoding='utf-8') as f:
                return {(c, i, p): {int(k): v for k, v in strs.items()}
                        for c, i, p, strs in json.load(f)}
        except (OSError, ValueError):
            pass
    r = subprocess.run(['msgunfmt', '--no-wrap', path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        die('msgunfmt %s failed: %s' % (path, r.stderr.decode(errors='replace')))
    m = re.search(rb'charset=([A-Za-z0-9_.-]+)', r.stdout[:4096])
    cs = m.group(1).decode().lower() if m else 'utf-8'
    cs = CODECS.get(cs, cs)
    try:
        text = r.stdout.decode(cs)
    except (LookupError, UnicodeDecodeError):
        text = r.stdout.decode('utf-8', errors='replace')
    try:
        entries = parse_po(text)
    except ValueError as e:
        die('%s: %s' % (path, e))
    out = {}
    for e in entries:
        if e['msgid'] == '' or 'fuzzy' in e.get('flags', ()):
            continue
        out[(e.get('msgctxt'), e['msgid'], e.get('msgid_plural'))] = e['msgstr']
    if memo:
        os.makedirs(cache, exist_ok=True)
        tmp = memo + '.tmp%d' % os.getpid()
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump([[k[0], k[1], k[2], v] for k, v in out.items()], f,
                      ensure_ascii=False)
        os.replace(tmp, memo)
    return out


def read_all(paths, cache):
    """read_mo over PATHS, a few at a time."""
    with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 1)) as ex:
        return list(ex.map(lambda p: read_mo(p, cache), paths))


# ---------------------------------------------------------------- text tools

HAN = re.compile('[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]')


def has_han(s):
    return HAN.search(s) is not None


# What a conversion leaves alone: every ASCII character (placeholders such as
# %s and %1$d, markup, Latin words, digits, ASCII punctuation) and where the
# spaces are.  The skeleton is the string with each run of non-ASCII text
# replaced by one NUL; a conversion pair has the same skeleton on both sides.
NON_ASCII = re.compile(r'[^\x00-\x7f]+')


def ascii_skeleton(s):
    return NON_ASCII.sub('\0', s)


def chinese_text(s):
    """The non-ASCII characters of S (Chinese text and CJK punctuation)."""
    return ''.join(NON_ASCII.findall(s))


def levenshtein(a, b):
    """Edit distance over code points (Hyyrö's bit-vector algorithm, with
    Python integers as bit vectors of any length)."""
    if a == b:
        return 0
    # common prefix and suffix do not change the distance
    i = 0
    n = min(len(a), len(b))
    while i < n and a[i] == b[i]:
        i += 1
    a, b = a[i:], b[i:]
    j = 0
    n = min(len(a), len(b))
    while j < n and a[-1 - j] == b[-1 - j]:
        j += 1
    if j:
        a, b = a[:-j], b[:-j]
    if not a:
        return len(b)
    if not b:
        return len(a)
    if len(a) > len(b):
        a, b = b, a
    m = len(a)
    peq = {}
    for k, c in enumerate(a):
        peq[c] = peq.get(c, 0) | (1 << k)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for c in b:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) | 1
        mh = mh << 1
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv & mask
    return score


def similarity(a, b):
    if not a and not b:
        return 1.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


# One line per string: backslash, newline and other control characters are
# written as backslash escapes, which neither zhconv nor OpenCC touch (ASCII
# only; checked on every line of every run).
CTRL = re.compile(r'[\\\x00-\x1f\x7f]')
CTRL_NAMES = {'\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r'}
UNESC = re.compile(r'\\(x[0-9a-f]{2}|[\\ntr])')
UNESC_NAMES = {'\\': '\\', 'n': '\n', 't': '\t', 'r': '\r'}


def escape_line(s):
    return CTRL.sub(lambda m: CTRL_NAMES.get(m.group(0),
                                             '\\x%02x' % ord(m.group(0))), s)


def unescape_line(s):
    return UNESC.sub(lambda m: UNESC_NAMES.get(m.group(1)) or
                     chr(int(m.group(1)[1:], 16)), s)


def escapes_of(line):
    return UNESC.findall(line)


class Converter:
    """A command that converts the file named last on its command line to
    standard output; run() converts a list of strings, one line each."""

    def __init__(self, label, argv):
        self.label = label
        self.argv = argv            # the input file's name is appended
        self.seconds = 0.0

    def run(self, strings, workdir, tag):
        inp = os.path.join(workdir, tag + '.in')
        out = os.path.join(workdir, tag + '.out')
        lines = [escape_line(s) for s in strings]
        with open(inp, 'w', encoding='utf-8', newline='\n') as f:
            f.write('\n'.join(lines) + '\n')
        t0 = time.monotonic()
        with open(out, 'wb') as f:
            try:
                r = subprocess.run(self.argv + [inp], stdout=f,
                                   stderr=subprocess.PIPE)
            except OSError as e:
                die('%s: %s' % (self.label, e))
        self.seconds += time.monotonic() - t0
        if r.returncode != 0:
            die('%s failed (exit %d): %s' % (' '.join(self.argv), r.returncode,
                                           r.stderr.decode(errors='replace')))
        with open(out, encoding='utf-8') as f:
            got = f.read()
        if got.endswith('\n'):
            got = got[:-1]
        got = got.split('\n')
        if len(got) != len(lines):
            die('%s: %d lines in, %d out' % (self.label, len(lines), len(got)))
        for k, (a, b) in enumerate(zip(lines, got)):
            if escapes_of(a) != escapes_of(b):
                die('%s changed the escapes of line %d: %r -> %r'
                    % (self.label, k + 1, a[:80], b[:80]))
        return [unescape_line(s) for s in got]


def supported(zhconv, options):
    """Does this zhconv accept OPTIONS (with --to=cn, on empty input)?"""
    try:
        r = subprocess.run([zhconv, '--to=cn'] + options, input=b'',
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError:
        return False
    if r.returncode != 0:
        note('accuracy: skipping zhconv %s: %s' % (' '.join(options),
             r.stderr.decode(errors='replace').strip()))
    return r.returncode == 0


def first_line(argv):
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=30)
    except OSError as e:
        return '(%s)' % e
    lines = [l.strip() for l in r.stdout.splitlines() if l.strip()]
    for l in lines:
        if re.search(r'\d+\.\d+', l):
            return l
    return lines[0] if lines else '?'


# ---------------------------------------------------------------- corpus

Pair = collections.namedtuple('Pair', 'pkg domain ctx msgid plural idx tw cn')


def build_corpus(sources, opencc, workdir, threshold, cache=None):
    """Aligned, filtered pairs, and the count left after each step."""
    steps = []
    aligned = []
    n_tw = n_cn = 0
    catalogues = read_all([m for s in sources for m in (s[3], s[4])], cache)
    for k, (pkg, _ver, dom, tw_mo, cn_mo) in enumerate(sources):
        tw, cn = catalogues[2 * k], catalogues[2 * k + 1]
        n_tw += len(tw)
        n_cn += len(cn)
        for key in sorted(tw.keys() & cn.keys(),
                          key=lambda k: (k[0] or '', k[0] is None, k[1], k[2] or '')):
            ctx, msgid, plural = key
            for idx in sorted(tw[key].keys() & cn[key].keys()):
                aligned.append(Pair(pkg, dom, ctx, msgid, plural, idx,
                                    tw[key][idx], cn[key][idx]))
    steps.append(('messages in zh_TW / zh_CN catalogues', '%d / %d' % (n_tw, n_cn)))
    steps.append(('aligned strings (same package, domain, msgctxt, msgid, plural index)',
                  len(aligned)))

    pairs = [p for p in aligned if p.tw.strip() and p.cn.strip()]
    steps.append(('translated on both sides (non-empty)', len(pairs)))

    def untranslated(p, s):
        return s == p.msgid or (p.plural is not None and s == p.plural)
    pairs = [p for p in pairs if not untranslated(p, p.tw) and not untranslated(p, p.cn)]
    steps.append(('neither side identical to the msgid', len(pairs)))

    pairs = [p for p in pairs if has_han(p.tw) and has_han(p.cn)]
    steps.append(('Chinese characters on both sides', len(pairs)))

    # Script check: a character is Simplified-only when OpenCC's s2t changes
    # it and t2s leaves it, Traditional-only the other way round (single
    # characters, so only the character tables act).
    chars = sorted({c for p in pairs for c in HAN.findall(p.tw + p.cn)})
    s2t = Converter('opencc -c s2t', [opencc, '-c', 's2t', '-i']).run(chars, workdir, 'chars-s2t')
    t2s = Converter('opencc -c t2s', [opencc, '-c', 't2s', '-i']).run(chars, workdir, 'chars-t2s')
    simp_only = {c for c, s, t in zip(chars, s2t, t2s) if s != c and t == c}
    trad_only = {c for c, s, t in zip(chars, s2t, t2s) if t != c and s == c}
    pairs = [p for p in pairs
             if not any(c in simp_only for c in p.tw)
             and not any(c in trad_only for c in p.cn)]
    steps.append(('zh_TW has no Simplified-only, zh_CN no Traditional-only character',
                  len(pairs)))

    pairs = [p for p in pairs if ascii_skeleton(p.tw) == ascii_skeleton(p.cn)]
    steps.append(('same ASCII text and spacing (placeholders, markup, Latin words)',
                  len(pairs)))

    tw_s = Converter('opencc -c t2s', [opencc, '-c', 't2s', '-i']).run(
        [p.tw for p in pairs], workdir, 'filter-t2s')
    sims = [similarity(chinese_text(a), chinese_text(p.cn))
            for a, p in zip(tw_s, pairs)]
    kept = [(p, a == p.cn) for p, a, s in zip(pairs, tw_s, sims) if s >= threshold]
    steps.append(('similarity of t2s(zh_TW) to zh_CN, Chinese text only, >= %.2f'
                  % threshold, len(kept)))

    seen = {}
    final = []
    script_only = []
    in_dev = []             # does the pair occur in a DEV package?
    for p, same in kept:
        k = seen.get((p.tw, p.cn))
        if k is None:
            seen[(p.tw, p.cn)] = len(final)
            final.append(p)
            script_only.append(same)
            in_dev.append(split_of(p.pkg) == 'dev')
        elif split_of(p.pkg) == 'dev':
            in_dev[k] = True
    steps.append(('distinct (zh_TW, zh_CN) pairs', len(final)))
    splits = ['dev' if d else 'test' for d in in_dev]
    hist = collections.Counter(min(int(s * 20), 19) for s in sims)
    return final, script_only, splits, steps, hist


# ---------------------------------------------------------------- dev/test

# The corpus is split in two by package, so that the vocabulary can be
# curated from one half (DEV: its differences may be read) and measured on
# the other (TEST: only its figures are looked at).  Packages that ship the
# same catalogue under several names (libgtk2.0-common, libgtk-3-common,
# libgtk-4-common) form one group: the group's name is the package name less
# a -common/-data/-l10n/-locales/-i18n/-base/-core suffix, digits and dots.
# A group is TEST when the first byte of the SHA-256 of its name is odd.  A
# distinct pair is TEST only when every package it occurs in is TEST, so no
# TEST string is ever shown by a DEV diff.  No salt, nothing tuned: the rule
# was fixed before any figure of either half was seen.
SPLIT_RULES = 1


def split_group(pkg):
    g = re.sub(r'-(common|data|l10n|locales|i18n|base|core)$', '', pkg)
    g = re.sub(r'[\d.]+', '', g)
    return re.sub(r'-+', '-', g).strip('-')


def split_of(pkg):
    digest = hashlib.sha256(split_group(pkg).encode('utf-8')).digest()
    return 'test' if digest[0] & 1 else 'dev'


# ---------------------------------------------------------------- report

def diff_spans(conv, ref, context=2):
    """The differing spans of CONV against REF: (conv part, ref part, the
    same with up to CONTEXT characters either side).  Differences separated
    by a single equal character are one span (开启 against 打开 is one
    span, not an insertion and a deletion)."""
    ops = [op for op in difflib.SequenceMatcher(None, conv, ref, autojunk=False)
           .get_opcodes() if op[0] != 'equal']
    merged = []
    for _t, i1, i2, j1, j2 in ops:
        if merged and i1 - merged[-1][1] <= 1 and j1 - merged[-1][3] <= 1:
            merged[-1][1], merged[-1][3] = i2, j2
        else:
            merged.append([i1, i2, j1, j2])
    for i1, i2, j1, j2 in merged:
        yield (conv[i1:i2], ref[j1:j2],
               conv[max(0, i1 - context):i2 + context],
               ref[max(0, j1 - context):j2 + context])


def show(s):
    if s == '':
        return '∅'
    return s.replace('\n', '⏎').replace('\t', '⇥').replace(' ', '␠')


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in s)


def pad(s, w):
    return s + ' ' * max(0, w - width(s))


def self_test():
    """Checks of the parts that are easy to get wrong; --self-test."""
    import random

    def dp(a, b):
        row = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            prev, row[0] = row[0], i
            for j, cb in enumerate(b, 1):
                prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1,
                                           prev + (ca != cb))
        return row[-1]
    rnd = random.Random(1)
    for _ in range(3000):
        a = ''.join(rnd.choice('软件軟體档案檔文') for _ in range(rnd.randint(0, 70)))
        b = ''.join(rnd.choice('软件軟體档案檔文') for _ in range(rnd.randint(0, 70)))
        assert levenshtein(a, b) == dp(a, b), (a, b)
    po = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
          '#, c-format\nmsgctxt "menu"\nmsgid "Open \\"%s\\"\\n"\n"again"\n'
          'msgstr "開啟「%s」\\n"\n"\\t再次\\\\"\n\n'
          'msgid "%d file"\nmsgid_plural "%d files"\nmsgstr[0] "%d 個檔案"\n'
          'msgstr[1] "%d 個檔案們"\n\n#, fuzzy\nmsgid "x"\nmsgstr "叉"\n')
    e = parse_po(po)
    assert len(e) == 4, e
    assert e[1]['msgctxt'] == 'menu' and e[1]['msgid'] == 'Open "%s"\nagain', e[1]
    assert e[1]['msgstr'] == {0: '開啟「%s」\n\t再次\\'}, e[1]
    assert e[2]['msgid_plural'] == '%d files' and e[2]['msgstr'][1] == '%d 個檔案們'
    assert 'fuzzy' in e[3]['flags']
    for x in ('a\\nb\n\t\r\x07\\', '', '軟體\\x41'):
        assert unescape_line(escape_line(x)) == x and '\n' not in escape_line(x)
    assert ascii_skeleton('開啟 %s 檔案') == ascii_skeleton('打开 %s 文件')
    assert ascii_skeleton('開啟 %s') != ascii_skeleton('打开%s')
    known = {'作业系统': {'操作系统'}, '设定': {'设置'}}
    assert explained('安装作业系统', '安装操作系统', known)
    assert explained('设定', '设置', known)
    assert not explained('未知的选项', '未知选项', known)
    assert not explained('设定作业系统', '设置作业系统。', known)
    spans = list(diff_spans('打开文件', '開啟檔案'))
    assert spans[0][:2] == ('打开文件', '開啟檔案'), spans
    print('self-test passed')


def main():
    ap = argparse.ArgumentParser(
        prog='bench/accuracy/run',
        description='Exact-match rate and character error rate of zhconv '
        'and OpenCC against zh_TW/zh_CN translations shipped by Debian.')
    ap.add_argument('--install', action='store_true',
                    help='apt-get download the packages of packages.txt and '
                    'unpack their zh_CN/zh_TW .mo files into the cache (nothing '
                    'is installed on the system), then run')
    ap.add_argument('--system', action='store_true',
                    help='read the installed system\'s /usr/share/locale and '
                    '/usr/share/locale-langpack instead of the cache')
    ap.add_argument('--packages', default=os.path.join(HERE, 'packages.txt'),
                    help='package list (default: %(default)s)')
    ap.add_argument('--cache', default=os.environ.get(
        'ZHCONV_ACCURACY_CACHE', os.path.join(HERE, '.cache')),
        help='cache directory (default: %(default)s)')
    ap.add_argument('--zhconv', help='zhconv binary (default: $ZHCONV, '
                    'then $BUILD/src/zhconv, then src/zhconv, then zhconv)')
    ap.add_argument('--opencc', default=os.environ.get('OPENCC', 'opencc'),
                    help='opencc binary (default: %(default)s)')
    ap.add_argument('--diff', type=int, default=0, metavar='N',
                    help='list the N most frequent differences between '
                    'zhconv\'s output and the reference, per direction')
    ap.add_argument('--threshold', type=float, default=DEFAULT_THRESHOLD,
                    help='minimum similarity of t2s(zh_TW) to zh_CN '
                    '(default: %(default)s)')
    ap.add_argument('--split', choices=('all', 'dev', 'test'), default='all',
                    help='the pairs to report and --diff: the DEV half, the '
                    'TEST half (by package; see README.md) or all (default; '
                    'the tables of all three, and --diff over all pairs)')
    ap.add_argument('--variant', action='append', metavar='ARGS',
                    help='also run zhconv with these options (repeatable; '
                    'default: %s; --variant= for none)' % ' and '.join(
                        repr(v) for v in DEFAULT_VARIANTS))
    ap.add_argument('--ceiling', action='store_true',
                    help='also count the pairs no known term pair explains '
                    '(what no converter reaches; see README.md)')
    ap.add_argument('--baseline', action='store_true',
                    help='also report OpenCC\'s script-only tw2s and s2tw')
    ap.add_argument('--self-test', action='store_true',
                    help='check the parser, edit distance and escapes, and exit')
    args = ap.parse_args()
    if args.variant is None:
        args.variant = list(DEFAULT_VARIANTS)
    args.variant = [v for v in args.variant if v.strip()]
    if args.self_test:
        self_test()
        return

    zhconv = args.zhconv or os.environ.get('ZHCONV')
    if not zhconv:
        for cand in (os.path.join(os.environ.get('BUILD', TOP), 'src', 'zhconv'),
                     os.path.join(TOP, 'src', 'zhconv')):
            if os.access(cand, os.X_OK):
                zhconv = cand
                break
        else:
            zhconv = 'zhconv'
    if os.sep in zhconv:
        zhconv = os.path.abspath(zhconv)
        if 'ZHCONV_DATA_DIR' not in os.environ:
            build_data = os.path.join(os.path.dirname(os.path.dirname(zhconv)), 'data')
            if os.path.isdir(build_data) and build_data != os.path.join(TOP, 'data'):
                os.environ['ZHCONV_DATA_DIR'] = build_data + ':' + os.path.join(TOP, 'data')
            elif os.path.isdir(build_data):
                os.environ['ZHCONV_DATA_DIR'] = build_data

    cache = os.path.abspath(args.cache)
    os.makedirs(cache, exist_ok=True)
    tree = os.path.join(cache, 'tree')
    if args.install:
        install(read_packages(args.packages), cache)
    sources = sources_from_system() if args.system else sources_from_tree(tree)
    if not sources:
        die('no text domain has both zh_CN and zh_TW translations')

    with tempfile.TemporaryDirectory(prefix='zhconv-accuracy-') as work:
        t0 = time.monotonic()
        pairs, script_only, splits, steps, hist = build_corpus(
            sources, args.opencc, work, args.threshold,
            os.path.join(cache, 'parsed'))
        t_corpus = time.monotonic() - t0
        if not pairs:
            die('no pair left after filtering')
        digest = hashlib.sha256()
        for p in pairs:
            digest.update(('%s\0%s\n' % (p.tw, p.cn)).encode('utf-8'))

        variants = [v.split() for v in args.variant]
        variants = [v for v in variants if supported(zhconv, v)]
        rows = []
        for direction, to, oc in (('tw→cn', 'cn', ['tw2sp', 'tw2s']),
                                  ('cn→tw', 'tw', ['s2twp', 's2tw'])):
            for v in [[]] + variants:
                argv = ['--to=' + to] + v
                rows.append((direction, Converter('zhconv ' + ' '.join(argv),
                                                  [zhconv] + argv)))
            for c in oc[:2 if args.baseline else 1]:
                rows.append((direction, Converter('opencc -c ' + c,
                                                  [args.opencc, '-c', c, '-i'])))
        results = []
        for k, (direction, conv) in enumerate(rows):
            src = [p.tw for p in pairs] if direction == 'tw→cn' else [p.cn for p in pairs]
            ref = [p.cn for p in pairs] if direction == 'tw→cn' else [p.tw for p in pairs]
            out = conv.run(src, work, 'conv%d' % k)
            results.append((direction, conv, out, ref))

        reach = None
        if args.ceiling:
            dirs = [d for d in os.environ.get('ZHCONV_DATA_DIR', '').split(':') if d]
            known = known_pairs(dirs + [os.path.join(TOP, 'data')], args.opencc, work)
            if known is None:
                note('accuracy: --ceiling needs vocab/compiled.tsv and '
                     'opencc/TWPhrases*.txt in ZHCONV_DATA_DIR (a built tree)')
            else:
                base_cn = Converter('t2s', [args.opencc, '-c', 't2s', '-i']).run(
                    [p.tw for p in pairs], work, 'ceiling-t2s')
                base_tw = Converter('s2t', [args.opencc, '-c', 's2t', '-i']).run(
                    [p.cn for p in pairs], work, 'ceiling-s2t')
                reach = {
                    'tw→cn': [b == p.cn or explained(b, p.cn, known['cn'])
                              for b, p in zip(base_cn, pairs)],
                    'cn→tw': [b == p.tw or explained(b, p.tw, known['tw'])
                              for b, p in zip(base_tw, pairs)]}

    write_results(cache, pairs, script_only, splits, results)

    pkgs = collections.OrderedDict()
    for pkg, ver, _d, _t, _c in sources:
        pkgs[pkg] = ver
    used = {(p.pkg, p.domain) for p in pairs}
    used_pkgs = {p.pkg for p in pairs}
    print('zhconv accuracy bench — %s' % time.strftime('%Y-%m-%d'))
    print('zhconv: %s (%s)' % (zhconv, first_line([zhconv, '--version'])))
    if os.environ.get('ZHCONV_DATA_DIR'):
        print('ZHCONV_DATA_DIR=%s' % os.environ['ZHCONV_DATA_DIR'])
    print('opencc: %s (%s)' % (args.opencc, first_line([args.opencc, '--version'])))
    print('corpus: %s, rules v%d, split v%d, sha256 %s'
          % ('installed system' if args.system else tree, CORPUS_RULES,
             SPLIT_RULES, digest.hexdigest()[:16]))
    print()
    print('pair selection (each step keeps):')
    for label, n in steps:
        print('  %-72s %s' % (label, n))
    print('  similarity before the threshold (bucket: strings):')
    line = '   '
    for b in range(20):
        line += ' %.2f:%d' % (b / 20, hist.get(b, 0))
        if b % 5 == 4:
            print(line)
            line = '   '
    print()
    n_script = sum(script_only)
    print('pairs: %d (from %d domains in %d packages; %d domains in %d packages read)'
          % (len(pairs), len(used), len(used_pkgs), len(sources), len(pkgs)))
    print('  %d differ only in script (t2s(zh_TW) = zh_CN: tests that nothing is'
          % n_script)
    print('  over-converted), %d differ in wording too (tests the vocabulary)'
          % (len(pairs) - n_script))
    groups = {}
    for pkg in pkgs:
        groups.setdefault(split_of(pkg), set()).add(split_group(pkg))
    for name in ('dev', 'test'):
        idx = [k for k in range(len(pairs)) if splits[k] == name]
        print('  %-4s %5d pairs (%d script only, %d wording) from %d package groups'
              % (name.upper(), len(idx), sum(script_only[k] for k in idx),
                 sum(not script_only[k] for k in idx), len(groups.get(name, ()))))

    shown = ('all', 'dev', 'test') if args.split == 'all' else (args.split,)
    for name in shown:
        sel = [k for k in range(len(pairs)) if name == 'all' or splits[k] == name]
        print()
        print('%s (%d pairs)' % ({'all': 'ALL', 'dev': 'DEV half', 'test': 'TEST half'}[name],
                                  len(sel)))
        print_table(results, sel, script_only)
        if reach:
            print_ceiling(results, sel, reach)
    print('exact: share of pairs converted to exactly the reference; CER: edit')
    print('distance over characters / reference characters (no normalisation).')
    print()
    print('packages (%d): %s' % (len(pkgs), ' '.join('%s=%s' % kv for kv in pkgs.items())))
    print('test package groups: %s' % ' '.join(sorted(groups.get('test', ()))))
    print('per-pair results: %s' % os.path.join(cache, 'results.tsv'))

    if args.diff > 0:
        sel = [k for k in range(len(pairs)) if args.split == 'all' or splits[k] == args.split]
        for direction, conv, out, ref in results:
            if conv.label.startswith('zhconv'):
                print_diffs(direction, conv.label, [out[k] for k in sel],
                            [ref[k] for k in sel], args.diff, args.split)
    note('accuracy: corpus %.1fs; conversions: %s'
         % (t_corpus, ', '.join('%s %.2fs' % (r[1].label, r[1].seconds)
                                for r in results)))


# ---------------------------------------------------------------- ceiling

def known_pairs(data_dirs, opencc, workdir):
    """Every term pair a dictionary we know of gives, in the target script:
    {'cn': {t2s(tw form): {cn form}}, 'tw': {s2t(cn form): {tw form}}}, from
    zhconv's compiled vocabulary (every file, every domain) and OpenCC's
    TWPhrases/TWPhrasesRev.  None when they are not found."""
    def find(rel):
        for d in data_dirs:
            path = os.path.join(d, rel)
            if os.path.isfile(path):
                return path
        return None
    vocab = find(os.path.join('vocab', 'compiled.tsv'))
    phrases = find(os.path.join('opencc', 'TWPhrases.txt'))
    rev = find(os.path.join('opencc', 'TWPhrasesRev.txt'))
    if not (vocab and phrases and rev):
        return None
    raw = []                                    # (tw form, cn form)
    with open(vocab, encoding='utf-8') as f:
        for line in f:
            e = line.rstrip('\n').split('\t')
            if len(e) == 10 and e[0] == 'E':
                cn = e[5] or e[8]
                for t in (e[6], e[7], e[9]):
                    if cn and t:
                        raw.append((t, cn))
    for path, tw_first in ((phrases, False), (rev, True)):
        with open(path, encoding='utf-8') as f:
            for line in f:
                k, _, v = line.rstrip('\n').partition('\t')
                for v in v.split():
                    # TWPhrases: mainland word in Traditional -> Taiwan word
                    raw.append((k, v) if tw_first else (v, k))
    # OpenCC writes mainland words in Traditional glyphs: every cn form goes
    # through t2s, every tw form through t2s for the other key.
    forms = sorted({x for pair in raw for x in pair})
    t2s = dict(zip(forms, Converter('t2s', [opencc, '-c', 't2s', '-i']).run(
        forms, workdir, 'known-t2s')))
    cns = sorted({t2s[c] for _, c in raw})
    s2t = dict(zip(cns, Converter('s2t', [opencc, '-c', 's2t', '-i']).run(
        cns, workdir, 'known-s2t')))
    out = {'cn': collections.defaultdict(set), 'tw': collections.defaultdict(set)}
    for t, c in raw:
        c = t2s[c]
        out['cn'][t2s[t]].add(c)
        out['tw'][s2t[c]].add(t)
    # --punct: quotation marks by nesting level
    for tw_q, cn_q in (('「', '“'), ('」', '”'), ('『', '‘'), ('』', '’')):
        out['cn'][tw_q].add(cn_q)
        out['tw'][cn_q].add(tw_q)
    out['tw']['‘'].add('「')
    out['tw']['’'].add('」')
    return out


def explained(base, ref, pairs, longest=16):
    """Is every difference between BASE (the script-only conversion) and REF
    the replacement of a known term by its counterpart?  Differences at most
    two equal characters apart are one (操作系统 against 作业系统)."""
    ops = difflib.SequenceMatcher(None, base, ref, autojunk=False).get_opcodes()
    spans = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == 'equal':
            continue
        if spans and i1 - spans[-1][1] <= 2 and j1 - spans[-1][3] <= 2:
            spans[-1][1], spans[-1][3] = i2, j2
        else:
            spans.append([i1, i2, j1, j2])
    prev_i = prev_j = 0
    for k, (i1, i2, j1, j2) in enumerate(spans):
        lo = min(i1 - prev_i, j1 - prev_j)          # equal text before
        nxt = spans[k + 1] if k + 1 < len(spans) else [len(base), 0, len(ref), 0]
        hi = min(nxt[0] - i2, nxt[2] - j2)          # and after
        prev_i, prev_j = i2, j2
        ok = False
        for before in range(0, min(lo, longest) + 1):
            for after in range(0, min(hi, longest) + 1):
                x = base[i1 - before:i2 + after]
                if x and len(x) <= longest and ref[j1 - before:j2 + after] in pairs.get(x, ()):
                    ok = True
                    break
            if ok:
                break
        if not ok:
            return False
    return True


def print_ceiling(results, sel, reach):
    """The pairs whose reference no known term pair explains, and how the
    failures of each zhconv row divide between those and the others."""
    for direction in ('tw→cn', 'cn→tw'):
        r = reach[direction]
        n_out = sum(not r[k] for k in sel)
        print('%-10s ceiling: %d pairs (%.1f%%) differ from the script-only '
              'conversion by something no known term pair explains'
              % (direction, n_out, 100.0 * n_out / max(1, len(sel))))
        for d, conv, out, ref in results:
            if d != direction or not conv.label.startswith('zhconv'):
                continue
            fail = [k for k in sel if out[k] != ref[k]]
            unexp = sum(not r[k] for k in fail)
            print('%-10s   %-40s wrong on %d: %d of them unexplained'
                  % ('', conv.label, len(fail), unexp))


def print_table(results, sel, script_only):
    w = max(18, max(len(conv.label) for _d, conv, _o, _r in results))
    print('%-10s %-*s %14s  %14s  %14s' % (
        '', w, '', 'all pairs', 'script only', 'wording'))
    print('%-10s %-*s %7s %6s  %7s %6s  %7s %6s' % (
        'direction', w, 'converter', 'exact', 'CER', 'exact', 'CER', 'exact', 'CER'))
    for direction, conv, out, ref in results:
        cells = []
        for want in (None, True, False):
            idx = [k for k in sel if want is None or script_only[k] == want]
            exact = sum(out[k] == ref[k] for k in idx)
            dist = sum(levenshtein(out[k], ref[k]) for k in idx)
            chars = sum(len(ref[k]) for k in idx)
            cells.append('%6.1f%% %5.2f%%' % (100.0 * exact / max(1, len(idx)),
                                                100.0 * dist / max(1, chars)))
        print('%-10s %-*s %s  %s  %s' % (
            direction, w, conv.label, cells[0], cells[1], cells[2]))


def print_diffs(direction, label, out, ref, n, split):
    core = collections.Counter()
    ctx = collections.defaultdict(collections.Counter)
    for o, r in zip(out, ref):
        if o == r:
            continue
        for a, b, ca, cb in diff_spans(o, r):
            core[(a, b)] += 1
            ctx[(a, b)][(ca, cb)] += 1
    tgt = 'zh_CN' if direction == 'tw→cn' else 'zh_TW'
    print()
    print('=' * 78)
    print('%s, %s pairs: the %d most frequent differences between `%s`'
          % (direction, split.upper(), n, label))
    print('and the %s translation.  FOR REVIEW ONLY, NOT TO BE COPIED INTO THE' % tgt)
    print('VOCABULARY: the reference is one translator\'s wording, often a choice')
    print('rather than a conversion; check each case (and its contexts in results.tsv).')
    if split != 'dev':
        print('(Curate from --split dev only: the TEST half measures the result.)')
    print('=' * 78)
    print('%6s  %s %s' % ('count', pad('zhconv → ' + tgt, 30),
                          'most frequent context (count)'))
    items = sorted(core.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    for (a, b), c in items:
        (ca, cb), cc = sorted(ctx[(a, b)].items(), key=lambda kv: (-kv[1], kv[0]))[0]
        left = '%s → %s' % (show(a), show(b))
        print('%6d  %s %s → %s (%d)' % (c, pad(left, 30), show(ca), show(cb), cc))


def write_results(cache, pairs, script_only, splits, results):
    path = os.path.join(cache, 'results.tsv')
    cols = ['package', 'domain', 'msgctxt', 'msgid', 'index', 'split',
            'script only', 'zh_TW', 'zh_CN']
    cols += ['%s %s' % (d, c.label) for d, c, _o, _r in results]
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write('\t'.join(cols) + '\n')
        for k, p in enumerate(pairs):
            row = [p.pkg, p.domain, p.ctx or '', p.msgid, str(p.idx), splits[k],
                   'yes' if script_only[k] else 'no', p.tw, p.cn]
            row += [r[2][k] for r in results]
            f.write('\t'.join(escape_line(x) for x in row) + '\n')


if __name__ == '__main__':
    main()
