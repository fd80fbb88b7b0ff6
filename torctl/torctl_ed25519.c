/*
 * torctl_ed25519.c - fixed-base scalar multiplication on edwards25519.
 * Field elements mod p = 2^255 - 19 in five 51-bit limbs; points in
 * extended coordinates with the complete addition law for a = -1
 * (Hisil-Wong-Carter-Dawson 2008), used for doubling as well. The ladder
 * does the same 256 doublings, 256 additions and masked selects whatever
 * the scalar is.
 */
#include "config.h"

#include <string.h>

#include "torctl/torctl_ed25519.h"

typedef uint64_t fe[5];			/* local helper type, not exported */

#define MASK51	((uint64_t)0x7ffffffffffff)

static void
fe_carry(fe h)
{
	uint64_t	c;
	int		i;

	for (i = 0; i < 4; i++) {
		c = h[i] >> 51;
		h[i] &= MASK51;
		h[i + 1] += c;
	}
	c = h[4] >> 51;
	h[4] &= MASK51;
	h[0] += 19 * c;
	c = h[0] >> 51;
	h[0] &= MASK51;
	h[1] += c;
}

static void
fe_frombytes(fe h, const uint8_t s[32])
{
	uint64_t	w[4];
	int		i, j;

	for (i = 0; i < 4; i++) {
		w[i] = 0;
		for (j = 7; j >= 0; j--)
			w[i] = w[i] << 8 | s[8 * i + j];
	}
	h[0] = w[0] & MASK51;
	h[1] = (w[0] >> 51 | w[1] << 13) & MASK51;
	h[2] = (w[1] >> 38 | w[2] << 26) & MASK51;
	h[3] = (w[2] >> 25 | w[3] << 39) & MASK51;
	h[4] = (w[3] >> 12) & MASK51;		/* drops bit 255 */
}

static void
fe_tobytes(uint8_t s[32], const fe f)
{
	fe		h;
	uint64_t	q, w[4];
	int		i, j;

	memcpy(h, f, sizeof(h));
	fe_carry(h);
	fe_carry(h);
	/* q = 1 iff h >= p: then h - p = h + 19 - 2^255. */
	q = (h[0] + 19) >> 51;
	q = (h[1] + q) >> 51;
	q = (h[2] + q) >> 51;
	q = (h[3] + q) >> 51;
	q = (h[4] + q) >> 51;
	h[0] += 19 * q;
	for (i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> 51;
		h[i] &= MASK51;
	}
	h[4] &= MASK51;
	w[0] = h[0] | h[1] << 51;
	w[1] = h[1] >> 13 | h[2] << 38;
	w[2] = h[2] >> 26 | h[3] << 25;
	w[3] = h[3] >> 39 | h[4] << 12;
	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			s[8 * i + j] = (uint8_t)(w[i] >> (8 * j));
}

static void
fe_add(fe h, const fe f, const fe g)
{
	int	i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + g[i];
	fe_carry(h);
}

/* h = f - g, computed as f + 2p - g (limbs of f and g are carried). */
static void
fe_sub(fe h, const fe f, const fe g)
{
	h[0] = f[0] + 0xfffffffffffda - g[0];
	h[1] = f[1] + 0xffffffffffffe - g[1];
	h[2] = f[2] + 0xffffffffffffe - g[2];
	h[3] = f[3] + 0xffffffffffffe - g[3];
	h[4] = f[4] + 0xffffffffffffe - g[4];
	fe_carry(h);
}

static void
fe_mul(fe h, const fe f, const fe g)
{
	unsigned __int128	r0, r1, r2, r3, r4;
	uint64_t		g1 = 19 * g[1], g2 = 19 * g[2];
	uint64_t		g3 = 19 * g[3], g4 = 19 * g[4], c;

#define M(a, b)	((unsigned __int128)(a) * (b))
	r0 = M(f[0], g[0]) + M(f[1], g4) + M(f[2], g3) + M(f[3], g2) +
	    M(f[4], g1);
	r1 = M(f[0], g[1]) + M(f[1], g[0]) + M(f[2], g4) + M(f[3], g3) +
	    M(f[4], g2);
	r2 = M(f[0], g[2]) + M(f[1], g[1]) + M(f[2], g[0]) + M(f[3], g4) +
	    M(f[4], g3);
	r3 = M(f[0], g[3]) + M(f[1], g[2]) + M(f[2], g[1]) + M(f[3], g[0]) +
	    M(f[4], g4);
	r4 = M(f[0], g[4]) + M(f[1], g[3]) + M(f[2], g[2]) + M(f[3], g[1]) +
	    M(f[4], g[0]);
#undef M
	r1 += (uint64_t)(r0 >> 51);
	h[0] = (uint64_t)r0 & MASK51;
	r2 += (uint64_t)(r1 >> 51);
	h[1] = (uint64_t)r1 & MASK51;
	r3 += (uint64_t)(r2 >> 51);
	h[2] = (uint64_t)r2 & MASK51;
	r4 += (uint64_t)(r3 >> 51);
	h[3] = (uint64_t)r3 & MASK51;
	c = (uint64_t)(r4 >> 51);
	h[4] = (uint64_t)r4 & MASK51;
	h[0] += 19 * c;
	h[1] += h[0] >> 51;
	h[0] &= MASK51;
}

/* h = z^(p-2) = 1/z; the exponent is public, so plain square-and-multiply
 * over its bits is fixed-sequence. p - 2 = 2^255 - 21. */
static void
fe_invert(fe h, const fe z)
{
	static const uint8_t	e[32] = {
		0xeb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
	};
	fe	r = { 1, 0, 0, 0, 0 };
	int	i;

	for (i = 254; i >= 0; i--) {
		fe_mul(r, r, r);
		if ((e[i / 8] >> (i % 8)) & 1)
			fe_mul(r, r, z);
	}
	memcpy(h, r, sizeof(r));
}

/* Set f = g if b == 1, keep f if b == 0, without a branch. */
static void
fe_cmov(fe f, const fe g, uint64_t b)
{
	uint64_t	m = (uint64_t)0 - b;
	int		i;

	for (i = 0; i < 5; i++)
		f[i] ^= m & (f[i] ^ g[i]);
}

struct ge {
	fe	X, Y, Z, T;
};

static const uint8_t base_x[32] = {
	0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25,
	0x95, 0x60, 0xc7, 0x2c, 0x69, 0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2,
	0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21,
};
static const uint8_t base_y[32] = {
	0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
};
static const uint8_t d2_bytes[32] = {	/* 2d, d = -121665/121666 */
	0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83,
	0x82, 0x9a, 0x14, 0xe0, 0x00, 0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80,
	0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24,
};

/* r = p + q (complete: also right for p == q and the identity). */
static void
ge_add(struct ge *r, const struct ge *p, const struct ge *q, const fe d2)
{
	fe	a, b, c, d, e, f, g, h, t;

	fe_sub(a, p->Y, p->X);
	fe_sub(t, q->Y, q->X);
	fe_mul(a, a, t);
	fe_add(b, p->Y, p->X);
	fe_add(t, q->Y, q->X);
	fe_mul(b, b, t);
	fe_mul(c, p->T, q->T);
	fe_mul(c, c, d2);
	fe_mul(d, p->Z, q->Z);
	fe_add(d, d, d);
	fe_sub(e, b, a);
	fe_sub(f, d, c);
	fe_add(g, d, c);
	fe_add(h, b, a);
	fe_mul(r->X, e, f);
	fe_mul(r->Y, g, h);
	fe_mul(r->T, e, h);
	fe_mul(r->Z, f, g);
}

void
torctl_ed25519_scalarmult_base(uint8_t pk[32], const uint8_t a[32])
{
	struct ge	B, R, S;
	fe		d2, zi, x, y;
	uint8_t		xb[32];
	uint64_t	bit;
	int		i;

	fe_frombytes(d2, d2_bytes);
	fe_frombytes(B.X, base_x);
	fe_frombytes(B.Y, base_y);
	memset(B.Z, 0, sizeof(B.Z));
	B.Z[0] = 1;
	fe_mul(B.T, B.X, B.Y);

	memset(&R, 0, sizeof(R));		/* identity (0 : 1 : 1 : 0) */
	R.Y[0] = 1;
	R.Z[0] = 1;
	for (i = 255; i >= 0; i--) {
		ge_add(&R, &R, &R, d2);
		ge_add(&S, &R, &B, d2);
		bit = (uint64_t)((a[i / 8] >> (i % 8)) & 1);
		fe_cmov(R.X, S.X, bit);
		fe_cmov(R.Y, S.Y, bit);
		fe_cmov(R.Z, S.Z, bit);
		fe_cmov(R.T, S.T, bit);
	}
	fe_invert(zi, R.Z);
	fe_mul(x, R.X, zi);
	fe_mul(y, R.Y, zi);
	fe_tobytes(pk, y);
	fe_tobytes(xb, x);
	pk[31] |= (uint8_t)((xb[0] & 1) << 7);
	memset(&R, 0, sizeof(R));
	memset(&S, 0, sizeof(S));
}
