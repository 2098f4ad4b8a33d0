using System.Buffers.Binary;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Gadgets.Tests.MassStorage;
using UsbMesh.Usb;
using static UsbMesh.Gadgets.Tests.Backends.HostSide;

namespace UsbMesh.Gadgets.Tests.Backends;

public sealed class MassStorageGadgetTests : IDisposable
{
    private const int BulkIn = 1;
    private const int BulkOut = 2;
    private static readonly byte[] Inquiry36 = [0x12, 0, 0, 0, 36, 0];
    private static readonly byte[] ReadCapacity10 = [0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private readonly string _directory = Directory.CreateTempSubdirectory("usbmesh-msc-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Enumerates_as_a_high_speed_bulk_only_disk()
    {
        await using var gadget = Open(1 << 20);
        var (device, configuration, bytes, strings) = await Enumerate(gadget);

        Assert.Equal(UsbSpeed.High, gadget.Speed);
        Assert.Equal((ushort)0x0200, device.UsbVersion);
        Assert.Equal(GadgetIdentity.PidCodesVendorId, device.VendorId);
        Assert.Equal(GadgetIdentity.MassStorageProductId, device.ProductId);
        Assert.Equal(64, device.MaxPacketSize0);
        Assert.Equal(32, bytes.Length);       // configuration 9 + interface 9 + 2 endpoints 7
        var face = Assert.Single(configuration.Interfaces);
        Assert.Equal((UsbClassCodes.MassStorage, UsbClassCodes.MassStorageSubClassScsi, UsbClassCodes.MassStorageProtocolBulkOnly),
            (face.InterfaceClass, face.InterfaceSubClass, face.InterfaceProtocol));
        Assert.All(face.Endpoints, e => Assert.Equal((TransferType.Bulk, 512), (e.TransferType, e.MaxPacketBytes)));
        Assert.Equal([(byte)0x81, (byte)0x02], face.Endpoints.Select(e => e.Address));
        Assert.Equal("UsbMesh", strings[0]);
        Assert.Equal("Virtual Disk", strings[1]);
        Assert.True(MassStorageGadget.IsValidBotSerial(strings[2]), strings[2]);
        Assert.Equal(GadgetIdentity.SerialFor("disk"), strings[2]);

        // A short wLength gets the first bytes only; an unknown string stalls; the qualifier exists at high speed.
        Assert.Equal(bytes[..20], await GetDescriptor(gadget, DescriptorTypes.Configuration, 0, 20));
        Assert.Equal(UrbStatus.Stall, (await Control(gadget, SetupPacket.GetDescriptor(DescriptorTypes.String, 9, 0x0409, 255))).Status);
        Assert.Equal(10, (await GetDescriptor(gadget, DescriptorTypes.DeviceQualifier, 0, 10)).Length);

        await gadget.SetConfigurationAsync(1);
        Assert.Equal(1, gadget.ActiveConfigurationValue);
        Assert.Equal([1], await InData(gadget, new SetupPacket(0x80, (byte)StandardRequest.GetConfiguration, 0, 0, 1)));
        Assert.Equal([0, 0], await InData(gadget, new SetupPacket(0x80, (byte)StandardRequest.GetStatus, 0, 0, 2)));
        Assert.Equal([0], await InData(gadget, new SetupPacket(0x81, (byte)StandardRequest.GetInterface, 0, 0, 1)));
        Assert.Equal([0], await InData(gadget, new SetupPacket(0xA1, BulkOnlyTransport.GetMaxLunRequest, 0, 0, 1)));
        await Assert.ThrowsAsync<UsbMesh.Devices.UsbBackendException>(() => gadget.SetConfigurationAsync(2));
    }

    [Fact]
    public async Task Inquiry_read_capacity_write_and_read_go_through_bulk_urbs_into_the_image()
    {
        var path = Path.Combine(_directory, "disk.img");
        var written = Scsi.Pattern(2 * 512, 7);
        await using (var gadget = Open(64 * 512, path))
        {
            var inquiry = await Command(gadget, 1, Inquiry36, 36);
            Assert.Equal(36, inquiry.Data.Length);
            Assert.Equal("UsbMesh ", System.Text.Encoding.ASCII.GetString(inquiry.Data, 8, 8));
            Assert.Equal(new CommandStatusWrapper(1, 0, CommandStatus.Passed), inquiry.Csw);

            var capacity = await Command(gadget, 2, ReadCapacity10, 8);
            Assert.Equal(63u, BinaryPrimitives.ReadUInt32BigEndian(capacity.Data));
            Assert.Equal(512u, BinaryPrimitives.ReadUInt32BigEndian(capacity.Data.AsSpan(4)));

            // WRITE(10) of two blocks at LBA 5, the data in two bulk OUT transfers.
            Assert.Equal(UrbStatus.Completed, (await Run(gadget, UrbRequest.BulkOut(BulkOut, Cbw(3, 1024, false, Scsi.Write10(5, 2))))).Status);
            Assert.Equal(UrbStatus.Completed, (await Run(gadget, UrbRequest.BulkOut(BulkOut, written.AsMemory(0, 512)))).Status);
            Assert.Equal(UrbStatus.Completed, (await Run(gadget, UrbRequest.BulkOut(BulkOut, written.AsMemory(512)))).Status);
            Assert.Equal(new CommandStatusWrapper(3, 0, CommandStatus.Passed), ParseCsw(await Run(gadget, UrbRequest.BulkIn(BulkIn, 13))));

            var read = await Command(gadget, 4, Scsi.Read10(5, 2), 1024);
            Assert.Equal(written, read.Data);
            Assert.Equal(CommandStatus.Passed, read.Csw.Status);
        }

        // Detached: the image holds the blocks.
        var image = await File.ReadAllBytesAsync(path);
        Assert.Equal(64 * 512, image.Length);
        Assert.Equal(written, image.AsSpan(5 * 512, 1024).ToArray());
    }

    [Fact]
    public async Task A_bulk_in_submitted_before_its_command_waits_for_it()
    {
        await using var gadget = Open(64 * 512);
        var data = gadget.SubmitAsync(UrbRequest.BulkIn(BulkIn, 36), CancellationToken.None);
        var status = gadget.SubmitAsync(UrbRequest.BulkIn(BulkIn, 13), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(data.IsCompleted);

        await Run(gadget, UrbRequest.BulkOut(BulkOut, Cbw(9, 36, true, Inquiry36)));
        Assert.Equal(36, (await data.WaitAsync(Patience)).ActualLength);
        Assert.Equal(new CommandStatusWrapper(9, 0, CommandStatus.Passed), ParseCsw(await status.WaitAsync(Patience)));
    }

    [Fact]
    public async Task A_bulk_out_waits_while_the_csw_is_unread()
    {
        await using var gadget = Open(64 * 512);
        await Run(gadget, UrbRequest.BulkOut(BulkOut, Cbw(1, 0, false, [0x00, 0, 0, 0, 0, 0])));
        var next = gadget.SubmitAsync(UrbRequest.BulkOut(BulkOut, Cbw(2, 0, false, [0x00, 0, 0, 0, 0, 0])), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(next.IsCompleted);

        Assert.Equal(1u, ParseCsw(await Run(gadget, UrbRequest.BulkIn(BulkIn, 13))).Tag);
        Assert.Equal(UrbStatus.Completed, (await next.WaitAsync(Patience)).Status);
        Assert.Equal(2u, ParseCsw(await Run(gadget, UrbRequest.BulkIn(BulkIn, 13))).Tag);
    }

    [Fact]
    public async Task A_short_answer_stalls_bulk_in_and_the_csw_carries_the_residue()
    {
        await using var gadget = Open(64 * 512);
        await Run(gadget, UrbRequest.BulkOut(BulkOut, Cbw(5, 64, true, Inquiry36)));
        var data = await Run(gadget, UrbRequest.BulkIn(BulkIn, 64));
        Assert.Equal(36, data.ActualLength);

        Assert.Equal(UrbStatus.Stall, (await Run(gadget, UrbRequest.BulkIn(BulkIn, 13))).Status);
        Assert.Equal([1, 0], await InData(gadget, new SetupPacket(0x82, (byte)StandardRequest.GetStatus, 0, 0x81, 2)));
        await gadget.ClearHaltAsync(0x81);
        Assert.Equal(new CommandStatusWrapper(5, 28, CommandStatus.Passed), ParseCsw(await Run(gadget, UrbRequest.BulkIn(BulkIn, 13))));
    }

    [Fact]
    public async Task An_invalid_cbw_stalls_both_endpoints_until_reset_recovery()
    {
        await using var gadget = Open(64 * 512);
        Assert.Equal(UrbStatus.Stall, (await Run(gadget, UrbRequest.BulkOut(BulkOut, new byte[30]))).Status);
        Assert.Equal(UrbStatus.Stall, (await Run(gadget, UrbRequest.BulkIn(BulkIn, 13))).Status);

        await gadget.ClearHaltAsync(0x81);                  // refused silently until the class reset
        Assert.Equal(UrbStatus.Stall, (await Run(gadget, UrbRequest.BulkIn(BulkIn, 13))).Status);

        var reset = await Control(gadget, new SetupPacket(0x21, BulkOnlyTransport.ResetRequest, 0, 0, 0));
        Assert.Equal(UrbStatus.Completed, reset.Status);
        await gadget.ClearHaltAsync(0x81);
        await gadget.ClearHaltAsync(0x02);

        var inquiry = await Command(gadget, 6, Inquiry36, 36);
        Assert.Equal(CommandStatus.Passed, inquiry.Csw.Status);
    }

    [Fact]
    public async Task A_read_only_image_fails_writes_with_data_protect()
    {
        var path = Path.Combine(_directory, "ro.img");
        await File.WriteAllBytesAsync(path, new byte[8 * 512]);
        await using var gadget = MassStorageGadget.Open(new MassStorageSettings("ro", path, 0, ReadOnly: true));

        await Run(gadget, UrbRequest.BulkOut(BulkOut, Cbw(1, 512, false, Scsi.Write10(0, 1))));
        var dataOut = await Run(gadget, UrbRequest.BulkOut(BulkOut, new byte[512]));
        Assert.Equal(UrbStatus.Stall, dataOut.Status);       // case 9: the device takes no data
        await gadget.ClearHaltAsync(0x02);
        var csw = ParseCsw(await Run(gadget, UrbRequest.BulkIn(BulkIn, 13)));
        Assert.Equal((CommandStatus.Failed, 512u), (csw.Status, csw.DataResidue));

        var sense = await Command(gadget, 2, [0x03, 0, 0, 0, 18, 0], 18);
        Assert.Equal(0x07, sense.Data[2] & 0x0F);
    }

    [Fact]
    public async Task Unlinking_a_waiting_bulk_in_completes_it_unlinked_and_unplugging_fails_the_rest()
    {
        var gadget = Open(64 * 512);
        using var unlink = new CancellationTokenSource();
        var first = gadget.SubmitAsync(UrbRequest.BulkIn(BulkIn, 512), unlink.Token);
        var second = gadget.SubmitAsync(UrbRequest.BulkIn(BulkIn, 512), CancellationToken.None);
        await unlink.CancelAsync();
        Assert.Equal(UrbStatus.Unlinked, (await first.WaitAsync(Patience)).Status);
        Assert.False(second.IsCompleted);

        await gadget.DisposeAsync();
        Assert.Equal(UrbStatus.DeviceGone, (await second.WaitAsync(Patience)).Status);
        Assert.Equal(UrbStatus.DeviceGone, (await gadget.SubmitAsync(UrbRequest.BulkIn(BulkIn, 13), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task A_write_left_without_its_data_by_a_holder_that_went_away_does_not_take_the_next_holders_command()
    {
        await using var gadget = Open(1 << 20);
        await gadget.SetConfigurationAsync(1);

        // WRITE(10) of one block: the command goes out, its 512 bytes of data never follow.
        byte[] write10 = [0x2A, 0, 0, 0, 0, 8, 0, 0, 1, 0];
        Assert.Equal(UrbStatus.Completed, (await Run(gadget, UrbRequest.BulkOut(BulkOut, Cbw(1, 512, false, write10)))).Status);
        await gadget.LeaseEndedAsync();

        // The next holder's first command is a command, not the last holder's data.
        var (data, csw) = await Command(gadget, 2, Inquiry36, 36);
        Assert.Equal(36, data.Length);
        Assert.Equal((2u, (byte)0), (csw.Tag, (byte)csw.Status));
    }

    private static async Task<byte[]> InData(MassStorageGadget gadget, SetupPacket setup)
    {
        var result = await Control(gadget, setup);
        Assert.Equal(UrbStatus.Completed, result.Status);
        return result.InData.ToArray();
    }

    private static async Task<(byte[] Data, CommandStatusWrapper Csw)> Command(MassStorageGadget gadget, uint tag, byte[] cdb, int length)
    {
        Assert.Equal(UrbStatus.Completed, (await Run(gadget, UrbRequest.BulkOut(BulkOut, Cbw(tag, (uint)length, true, cdb)))).Status);
        var data = await Run(gadget, UrbRequest.BulkIn(BulkIn, length));
        Assert.Equal(UrbStatus.Completed, data.Status);
        return (data.InData.ToArray(), ParseCsw(await Run(gadget, UrbRequest.BulkIn(BulkIn, 13))));
    }

    private MassStorageGadget Open(long size, string? path = null) =>
        (MassStorageGadget)GadgetFactory.Create(GadgetFactory.CreateSettings(
            "mass-storage", "disk", path ?? Path.Combine(_directory, $"{Guid.NewGuid():N}.img"), size));
}
