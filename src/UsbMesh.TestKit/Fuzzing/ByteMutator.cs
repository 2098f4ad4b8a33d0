using System.Buffers.Binary;

namespace UsbMesh.TestKit.Fuzzing;

/// <summary>
/// Mutations of binary protocol inputs: 1 to 4 stacked edits of one seed (bit flips, byte and length-field
/// overwrites with boundary values, deletions, insertions, duplications, truncation, splices from another seed).
/// Boundary values matter most: length and count fields are where parsers allocate or loop.
/// </summary>
public static class ByteMutator
{
    private static readonly uint[] Interesting =
    [
        0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 1023, 1024, 4095, 4096, 4097,
        65535, 65536, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x00100000, 0x01000000,
    ];

    /// <summary>A mutant of one of <paramref name="seeds"/>, fully determined by <paramref name="random"/>.</summary>
    public static byte[] Mutate(IReadOnlyList<byte[]> seeds, Random random)
    {
        var bytes = new List<byte>(seeds[random.Next(seeds.Count)]);
        for (var edits = 1 + random.Next(4); edits > 0; edits--)
        {
            Edit(bytes, seeds, random);
        }

        return [.. bytes];
    }

    private static void Edit(List<byte> bytes, IReadOnlyList<byte[]> seeds, Random random)
    {
        var length = bytes.Count;
        var at = random.Next(length + 1);
        var roll = random.Next(100);
        if (length == 0 && roll < 60)
        {
            roll = 60;
        }

        switch (roll)
        {
            case < 15: // flip one bit
                bytes[Math.Min(at, length - 1)] ^= (byte)(1 << random.Next(8));
                break;
            case < 30: // set one byte
                bytes[Math.Min(at, length - 1)] = random.Next(4) == 0 ? (byte)Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
                break;
            case < 45: // overwrite a (usually aligned) 16 or 32-bit field with a boundary value, either byte order
                Overwrite(bytes, random);
                break;
            case < 55: // delete a span
                bytes.RemoveRange(Math.Min(at, length - 1), Math.Min(1 + random.Next(16), length - Math.Min(at, length - 1)));
                break;
            case < 65: // insert random bytes
                var inserted = new byte[1 + random.Next(16)];
                random.NextBytes(inserted);
                bytes.InsertRange(at, inserted);
                break;
            case < 75: // duplicate a span (repeated records, back-to-back messages)
                if (length > 0)
                {
                    var start = random.Next(length);
                    bytes.InsertRange(at, bytes.GetRange(start, Math.Min(1 + random.Next(64), length - start)));
                }

                break;
            case < 85: // splice in a span of another seed
                var donor = seeds[random.Next(seeds.Count)];
                var from = random.Next(donor.Length + 1);
                bytes.InsertRange(at, donor.AsSpan(from, Math.Min(1 + random.Next(64), donor.Length - from)).ToArray());
                break;
            case < 92: // append a whole seed (a second message on the same stream)
                bytes.AddRange(seeds[random.Next(seeds.Count)]);
                break;
            default: // truncate
                bytes.RemoveRange(at, length - at);
                break;
        }
    }

    private static void Overwrite(List<byte> bytes, Random random)
    {
        var width = random.Next(2) == 0 ? 4 : 2;
        if (bytes.Count < width)
        {
            return;
        }

        var at = random.Next(bytes.Count - width + 1);
        if (random.Next(4) != 0)
        {
            at -= at % width;
        }

        var value = Interesting[random.Next(Interesting.Length)];
        if (random.Next(8) == 0)
        {
            value += (uint)random.Next(-2, 3);
        }

        Span<byte> field = stackalloc byte[4];
        if (random.Next(4) == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(field, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(field, width == 4 ? value : value & 0xffff);
            if (width == 2)
            {
                field[..2].Clear();
                (field[0], field[1]) = (field[2], field[3]);
            }
        }

        for (var i = 0; i < width; i++)
        {
            bytes[at + i] = field[i];
        }
    }
}
