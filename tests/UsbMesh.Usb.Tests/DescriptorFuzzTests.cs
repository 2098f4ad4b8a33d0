using UsbMesh.TestKit.Fuzzing;
using Xunit.Abstractions;

namespace UsbMesh.Usb.Tests;

/// <summary>
/// Mutation fuzz of the descriptor parsers over the real devices' descriptors (<see cref="GoldenDevices"/>) and
/// descriptors built by <see cref="ConfigurationBuilder"/>-shaped seeds: every parser, given every mutant, returns a
/// descriptor or throws <see cref="UsbDescriptorException"/> with an offset inside the input, and never anything else;
/// a descriptor that parses writes back to exactly the bytes it was parsed from.
/// </summary>
/// <remarks>Budget and replay: <see cref="FuzzSettings"/> (USBMESH_FUZZ_SECONDS, default 2.5 s here).</remarks>
public sealed class DescriptorFuzzTests(ITestOutputHelper output)
{
    private static readonly Func<byte[], UsbDescriptor?>[] Parsers =
    [
        data => DeviceDescriptor.Parse(data),
        data => ConfigurationDescriptor.Parse(data),
        data => StringDescriptor.Parse(data),
        data =>
        {
            _ = StringDescriptor.ParseLanguageIds(data);
            return null;
        },
        data => HidDescriptor.Parse(data),
        data => EndpointDescriptor.Parse(data),
        data => ClassSpecificDescriptor.Parse(data),
    ];

    private static readonly byte[][] Corpus =
    [
        GoldenDevices.KeyboardDevice,
        GoldenDevices.KeyboardConfiguration,
        GoldenDevices.CardReaderDevice,
        GoldenDevices.CardReaderConfiguration,
        GoldenDevices.CdcAcmConfiguration,
        GoldenDevices.LanguageIds,
        GoldenDevices.KroneumProductStringAsPublished,
        GoldenDevices.KeyboardConfiguration[18..27],
        GoldenDevices.KeyboardConfiguration[27..34],
    ];

    [Fact]
    public void Mutated_descriptors_parse_and_write_back_or_fail_with_a_descriptor_error()
    {
        FuzzLoop.Run(
            "descriptors",
            FuzzSettings.FromEnvironment(),
            random => ByteMutator.Mutate(Corpus, random),
            Check,
            Convert.ToHexString,
            output.WriteLine);
    }

    private static void Check(byte[] input)
    {
        foreach (var parse in Parsers)
        {
            UsbDescriptor? descriptor;
            try
            {
                descriptor = parse(input);
            }
            catch (UsbDescriptorException e)
            {
                if (e.Offset < 0 || e.Offset > input.Length)
                {
                    Assert.Fail($"error offset {e.Offset} outside the {input.Length}-byte input: {e.Message}");
                }

                continue;
            }

            if (descriptor is not null)
            {
                var written = descriptor.ToBytes();
                if (!written.AsSpan().SequenceEqual(input))
                {
                    Assert.Fail($"{descriptor.GetType().Name} writes back as {Convert.ToHexString(written)}");
                }
            }
        }
    }
}
