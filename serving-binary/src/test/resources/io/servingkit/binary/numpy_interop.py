"""numpy side of NumpyInteropTest.

  write DIR  -- saves arrays with numpy into DIR and writes DIR/manifest.json describing what each file holds
  check DIR  -- loads the files Java wrote into DIR, compares them with DIR/expected.json, exits 1 on a mismatch
"""
import json
import os
import struct
import sys

import numpy as np

DTYPES = ['<f4', '<f8', '<f2', '|u1', '|i1', '<i2', '<u2', '<i4', '<u4', '<i8', '<u8', '|b1', '<c8',
          '>f4', '>i8', '>c8', '<U5', '|S3']
SHAPES = [(), (0,), (7,), (2, 3), (1, 3, 4, 4)]


def values(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    n = int(np.prod(shape)) if shape else 1
    if dt.kind == 'f':
        return rng.standard_normal(n).astype(dt).reshape(shape)
    if dt.kind == 'c':
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dt).reshape(shape)
    if dt.kind == 'b':
        return (rng.integers(0, 2, n) == 1).reshape(shape)
    if dt.kind in 'iu':
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, n, dtype=dt.newbyteorder('=')).astype(dt).reshape(shape)
    if dt.kind == 'U':
        words = ['', 'a', 'héllo', '€', 'x😀y', 'abcde']
        return np.array([words[i % len(words)] for i in rng.integers(0, 100, n)], dtype=dt).reshape(shape)
    if dt.kind == 'S':
        words = [b'', b'a', b'xyz', b'q']
        return np.array([words[i % len(words)] for i in rng.integers(0, 100, n)], dtype=dt).reshape(shape)
    raise ValueError(dtype)


def describe(name, arr):
    d = {'name': name, 'shape': list(arr.shape), 'kind': arr.dtype.kind, 'itemsize': arr.dtype.itemsize}
    if arr.dtype.kind == 'U':
        d['strings'] = [str(x) for x in arr.ravel(order='C')]
    elif arr.dtype.kind == 'S':
        d['strings'] = [x.decode('utf-8') for x in arr.ravel(order='C')]
    else:
        d['hex'] = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder('<')).tobytes(order='C').hex()
    return d


def write(out):
    manifest = []
    seed = 0
    for dtype in DTYPES:
        for shape in SHAPES:
            seed += 1
            arr = values(dtype, shape, seed)
            f = 'npy_%d.npy' % seed
            np.save(os.path.join(out, f), arr)
            manifest.append({'file': f, 'arrays': [describe(None, arr)]})
    for version in [(1, 0), (2, 0), (3, 0)]:
        arr = values('<f4', (2, 5), 99)
        f = 'npy_v%d.npy' % version[0]
        with open(os.path.join(out, f), 'wb') as fh:
            np.lib.format.write_array(fh, arr, version=version)
        manifest.append({'file': f, 'arrays': [describe(None, arr)]})
    # a non-contiguous view is written in C order
    base = values('<i4', (4, 6), 5)
    np.save(os.path.join(out, 'npy_view.npy'), base[::2, 1::2])
    manifest.append({'file': 'npy_view.npy', 'arrays': [describe(None, base[::2, 1::2])]})
    # Fortran order is refused
    np.save(os.path.join(out, 'npy_fortran.npy'), np.asfortranarray(values('<f4', (2, 3), 7)))
    manifest.append({'file': 'npy_fortran.npy', 'error': 'Fortran-order arrays are not supported'})
    # object arrays are refused
    np.save(os.path.join(out, 'npy_object.npy'), np.array([1, 'a'], dtype=object), allow_pickle=True)
    manifest.append({'file': 'npy_object.npy', 'error': "unsupported dtype '|O'"})
    a = values('<f4', (1, 3, 4, 4), 11)
    b = values('<i8', (3,), 12)
    c = values('|b1', (2, 2), 13)
    s = values('<U5', (3,), 14)
    np.savez(os.path.join(out, 'positional.npz'), a, b)
    manifest.append({'file': 'positional.npz', 'arrays': [describe(None, a), describe(None, b)]})
    np.savez(os.path.join(out, 'named.npz'), x=a, mask=c, words=s)
    manifest.append({'file': 'named.npz', 'arrays': [describe('x', a), describe('mask', c), describe('words', s)]})
    # numpy writes keyword arrays first, then arr_0, arr_1...; decoding keeps the archive's order like np.load
    np.savez_compressed(os.path.join(out, 'compressed.npz'), a, b, extra=c)
    manifest.append({'file': 'compressed.npz', 'arrays': [describe('extra', c), describe(None, a), describe(None, b)]})
    big = values('<f4', (1, 3, 224, 224), 15)
    np.savez_compressed(os.path.join(out, 'big_compressed.npz'), big)
    manifest.append({'file': 'big_compressed.npz', 'arrays': [describe(None, big)]})
    # NDList written the way numpy-based clients write it: dtype BOOL, sparse format "default", version 3
    arrays = [values('|b1', (2, 3), 21), values('<f4', (4,), 22), values('<i8', (), 23)]
    with open(os.path.join(out, 'python.ndlist'), 'wb') as fh:
        fh.write(nd_list(arrays))
    manifest.append({'file': 'python.ndlist', 'arrays': [describe(None, x) for x in arrays]})
    with open(os.path.join(out, 'manifest.json'), 'w') as fh:
        json.dump(manifest, fh)


def utf(s):
    b = s.encode('utf-8')
    return struct.pack('>H', len(b)) + b


def nd_list(arrays):
    out = struct.pack('>i', len(arrays))
    for arr in arrays:
        out += utf('NDAR') + struct.pack('>i', 3) + b'\x00' + utf('default') + utf(str(arr.dtype).upper())
        out += struct.pack('>i', arr.ndim) + b''.join(struct.pack('>q', d) for d in arr.shape)
        out += struct.pack('>i', arr.ndim) + b''.join(struct.pack('>H', ord('?')) for _ in arr.shape)
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder('<')).tobytes()
        out += b'<' + struct.pack('>i', len(data)) + data
    return out


def check(out):
    with open(os.path.join(out, 'expected.json')) as fh:
        expected = json.load(fh)
    failures = []
    for case in expected:
        path = os.path.join(out, case['file'])
        if case['file'].endswith('.npz'):
            with np.load(path) as npz:
                loaded = [(k, npz[k]) for k in npz.files]
        else:
            loaded = [(None, np.load(path))]
        if len(loaded) != len(case['arrays']):
            failures.append('%s: %d arrays, expected %d' % (case['file'], len(loaded), len(case['arrays'])))
            continue
        for (key, arr), want in zip(loaded, case['arrays']):
            got = describe(want['name'], arr)
            if case['file'].endswith('.npz') and key != want['key']:
                failures.append('%s: entry %s, expected %s' % (case['file'], key, want['key']))
            for field in ('shape', 'kind', 'itemsize', 'hex', 'strings'):
                if field in want and got.get(field) != want[field]:
                    failures.append('%s/%s: %s is %r, expected %r' % (case['file'], key, field,
                                                                       got.get(field), want[field]))
    if failures:
        print('\n'.join(failures))
        sys.exit(1)
    print('checked %d files' % len(expected))


if __name__ == '__main__':
    {'write': write, 'check': check}[sys.argv[1]](sys.argv[2])
