using System.Globalization;

namespace UsbMesh.Qemu.Tests;

/// <summary>
/// Isochronous transfers through libusb: a UsbMesh node inside a guest exports QEMU's usb-audio (46f4:0002, full
/// speed, playback only: interface 1 alt 1 has one isochronous OUT endpoint 0x01 of 192 bytes per 1 ms frame), the
/// guest's own vhci-hcd imports it with the stock <c>usbip</c> tool, and the guest's snd-usb-audio plays through it.
/// </summary>
/// <remarks>
/// snd-usb-audio advances the PCM's hardware pointer only as its isochronous URBs complete, so a RUNNING stream whose
/// <c>hw_ptr</c> grows between two reads proves that isochronous OUT URBs went vhci → node → libusb → QEMU and came
/// back completed. aplay must also end cleanly after its three seconds of audio.
/// </remarks>
public sealed class UsbAudioIsoSpec(ITestOutputHelper output)
{
    private const string AudioVidPid = "46f4:0002";

    /// <summary>The guest's seconds between the two <c>hw_ptr</c> reads.</summary>
    private const int ReadGapSeconds = 1;

    /// <summary>
    /// The least growth of <c>hw_ptr</c> over <see cref="ReadGapSeconds"/>: 0.2 s of audio. The stream runs at 48000
    /// frames/s; under TCG it measured 38000–44700 frames/s. A stalled stream moves by at most the few milliseconds its
    /// first URBs carry, far below this.
    /// </summary>
    private const long MinFramesAdvanced = 9600;

    private static readonly TimeSpan GuestLimit = TimeSpan.FromSeconds(180);

    [QemuFact]
    public async Task Isochronous_out_urbs_of_a_usb_audio_device_flow_through_the_node_to_vhci()
    {
        var config = Directory.CreateTempSubdirectory("usbmesh-audio-cfg-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(config.FullName, "node.conf"), NodeConfig);
            await using var guest = await QemuGuest.StartAsync(
                new QemuGuestOptions
                {
                    Script = GuestScript(GuestDaemon.PathInChroot),
                    Timeout = GuestLimit,
                    HostRoot = true,
                    Xhci = true,
                    MemoryMb = 1536,
                    Shares = [(config.FullName, "cfg", true), GuestDaemon.Share()],
                    Devices = ["usb-audio,audiodev=snd0,bus=xhci.0,id=audio1"],
                    ExtraQemuArguments = ["-audiodev", "none,id=snd0"],
                },
                Log);
            var result = await guest.WaitAsync();
            var nodeLogPath = Path.Combine(guest.WorkDirectory, "node.log");
            var nodeLog = File.Exists(nodeLogPath) ? await File.ReadAllTextAsync(nodeLogPath) : "";
            Log($"guest: boot {result.BootTime?.TotalSeconds:F1} s, total {result.Elapsed.TotalSeconds:F1} s, exit {result.ExitCode}");
            Log("node log:\n" + nodeLog);
            Assert.False(result.TimedOut, "the guest timed out:\n" + result.Output);
            Assert.True(result.ExitCode == 0, $"guest exit code {result.ExitCode}:\n{result.Output}");
            var values = GuestSteps.Values(result.Output);

            // The guest runs the kernel whose modules the chroot's modprobe loads.
            Assert.Equal(values["KERNEL"], values["CHROOT-MODULES"]);

            // The sound card is the one behind vhci, not the guest's local driver of the same device.
            Assert.Contains("vhci_hcd", values["CARD-DEVICE"], StringComparison.Ordinal);

            // The stream ran, and its hardware pointer moved only because isochronous URBs completed.
            Assert.Equal("RUNNING", values["STATE-1"]);
            Assert.Equal("RUNNING", values["STATE-2"]);
            var first = long.Parse(values["HW-PTR-1"], CultureInfo.InvariantCulture);
            var second = long.Parse(values["HW-PTR-2"], CultureInfo.InvariantCulture);
            var seconds = double.Parse(values["T-2"], CultureInfo.InvariantCulture) - double.Parse(values["T-1"], CultureInfo.InvariantCulture);
            Log($"hw_ptr {first} -> {second} in {seconds:F2} s of guest time: {(second - first) / seconds:F0} frames/s (48000 nominal)");
            Assert.True(second - first >= MinFramesAdvanced, $"hw_ptr advanced by {second - first} frames, expected at least {MinFramesAdvanced}");
            Assert.Equal("0", values["APLAY-EXIT"]);

            // Detached, the vhci port is free; the node logged no error and stopped cleanly.
            Assert.Equal("yes", values["PORTS-FREE"]);
            Assert.Equal("0", values["NODE-EXIT"]);
            Assert.DoesNotMatch(@"\[(ERR|FTL)\]", nodeLog);
        }
        finally
        {
            config.Delete(recursive: true);
        }
    }

    private const string NodeConfig = $$"""
        usbmesh {
          node.name = qemu-audio
          node.state-directory = /tmp/usbmesh-node
          usbipd { enabled = on, endpoint = "127.0.0.1:3240" }
          exports.rules = [ { match { vid-pid = "{{AudioVidPid}}" } } ]
        }
        """;

    private static string GuestScript(string daemon) => GuestSteps.ShellFunctions + $$"""

        set -u
        W=/mnt/usbmesh
        H=usbmesh-hostroot
        vhci_card() { for c in /sys/class/sound/card*; do [ -e "$c" ] && readlink -f "$c/device" | grep -q vhci_hcd && { basename "$c" | sed 's/^card//'; return 0; }; done; return 1; }
        status_field() { sed -n "s/^$2 *: *//p" "$1" | head -1; }
        uptime_now() { cut -d' ' -f1 /proc/uptime; }
        diagnose() { echo "--- $1"; usbip port; cat /proc/asound/cards; dmesg | tail -50; echo "--- node log"; cat $W/node.log; }

        modprobe vhci-hcd || exit 10
        $H --udev || exit 11
        value KERNEL "$(uname -r)"
        value CHROOT-MODULES "$($H -- sh -c 'ls -d /lib/modules/$(uname -r) >/dev/null && uname -r')"
        audio=$(for d in /sys/bus/usb/devices/*; do [ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = {{AudioVidPid}} ] && basename "$d"; done | head -1)
        [ -n "$audio" ] || { echo "no {{AudioVidPid}} in the guest"; exit 12; }
        value BUSID "$audio"

        $H -- {{daemon}} --config /run/usbmesh/cfg/node.conf > $W/node.log 2>&1 &
        node=$!
        n=0
        until usbip --tcp-port 3240 list -r 127.0.0.1 > $W/list.txt 2>&1 && grep -q "^ *$audio: .*({{AudioVidPid}})" $W/list.txt; do
          n=$((n + 1)); [ "$n" -gt 240 ] && { cat $W/list.txt; diagnose "the node never listed the audio device"; exit 20; }; sleep 0.5
        done
        cat $W/list.txt
        value T-LISTED "$(uptime_now)"

        usbip --tcp-port 3240 attach -r 127.0.0.1 -b "$audio" || { diagnose "attach failed"; exit 21; }
        wait_for '[ -n "$(used_port)" ]' 100 || { diagnose "no vhci port in use"; exit 22; }
        $H -- modprobe snd-usb-audio || { diagnose "modprobe snd-usb-audio failed"; exit 23; }
        wait_for 'vhci_card >/dev/null' 150 || { diagnose "no sound card behind vhci"; exit 24; }
        card=$(vhci_card)
        value CARD "$card"
        value CARD-DEVICE "$(readlink -f /sys/class/sound/card$card/device)"
        cat /proc/asound/cards
        cat /proc/asound/card$card/stream0

        st=/proc/asound/card$card/pcm0p/sub0/status
        t0=$(uptime_now)
        ( $H -- timeout 90 aplay -D hw:$card,0 -f S16_LE -r 48000 -c 2 -d 3 /dev/zero; echo $? > $W/aplay.exit ) &
        wait_for "grep -q '^state: RUNNING' $st || [ -e $W/aplay.exit ]" 150
        cat $st
        value STATE-1 "$(status_field $st state)"
        value HW-PTR-1 "$(status_field $st hw_ptr)"
        value T-1 "$(uptime_now)"
        sleep {{ReadGapSeconds}}
        value STATE-2 "$(status_field $st state)"
        value HW-PTR-2 "$(status_field $st hw_ptr)"
        value T-2 "$(uptime_now)"
        cat $st
        wait_for "[ -e $W/aplay.exit ]" 500 || { diagnose "aplay did not end"; exit 25; }
        value APLAY-EXIT "$(cat $W/aplay.exit)"
        value APLAY-SECONDS "$(awk "BEGIN { print $(uptime_now) - $t0 }")"
        [ "$(cat $W/aplay.exit)" = 0 ] || diagnose "aplay failed"

        detach_all
        wait_for '[ -z "$(used_port)" ]' 100 && value PORTS-FREE yes
        usbip port

        kill -TERM "$node"
        wait_for "! kill -0 $node 2>/dev/null" 150 || { echo "the node did not stop"; kill -KILL "$node"; }
        wait "$node"
        value NODE-EXIT $?
        dmesg | tail -50
        exit 0
        """;


    private void Log(string line)
    {
        try
        {
            output.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished; xunit refuses late output.
        }
    }
}
