# Writes .npy files as numpy's _write_array_header/_wrap_header do
# (numpy/lib/_format_impl.py, copied logic; numpy itself is not needed),
# an independent oracle for npy_write's bytes and npy_read.
import struct

def header(descr, shape, version=(1, 0)):
    d = {'descr': descr, 'fortran_order': False, 'shape': shape}
    h = "{" + "".join("'%s': %r, " % (k, v) for k, v in sorted(d.items())) + "}"
    if len(shape) > 0:
        h += " " * (21 - len(repr(shape[0])))
    fmt = '<H' if version == (1, 0) else '<I'
    hb = h.encode('latin1')
    hlen = len(hb) + 1
    pad = 64 - ((8 + struct.calcsize(fmt) + hlen) % 64)
    return b'\x93NUMPY' + bytes(version) + struct.pack(fmt, hlen + pad) + hb + b' ' * pad + b'\n'

def save(name, descr, shape, fmt, values, version=(1, 0)):
    with open(name, 'wb') as f:
        f.write(header(descr, shape, version))
        f.write(struct.pack('<' + fmt * len(values), *values))

save('f32_3.npy', '<f4', (3,), 'f', [1.0, 2.5, -3.0])
save('i32_2x3.npy', '<i4', (2, 3), 'i', [1, 2, 3, 4, 5, -6])
save('f64_scalar.npy', '<f8', (), 'd', [0.1])
save('bool_4.npy', '|b1', (4,), '?', [True, False, False, True])
save('u8_2x2_v2.npy', '|u1', (2, 2), 'B', [0, 1, 254, 255], version=(2, 0))
save('i64_0.npy', '<i8', (0,), 'q', [])
