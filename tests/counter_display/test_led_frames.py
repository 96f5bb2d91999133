"""LED frames: the bytes a serial display receives for a ticket number."""
from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from counter_display.led import (FrameError, crc16_modbus, decode_ascii, decode_modbus,
                                 encode_ascii, encode_frame, encode_modbus, encode_modbus_write,
                                 modbus_value, split_ascii_frames)


def test_modbus_write_23_to_unit_1_matches_the_datasheet_example():
    assert encode_modbus(1, "23") == bytes.fromhex("01 06 00 00 00 17 c9 c4")
    assert encode_modbus_write(1, 0, 23) == bytes.fromhex("0106 0000 0017 c9c4")


def test_modbus_crc_of_a_whole_frame_is_zero():
    # the CRC property every Modbus receiver uses to check a frame
    assert crc16_modbus(bytes.fromhex("01 06 00 00 00 17 c9 c4")) == 0


def test_ascii_frame_bytes_are_stx_address_number_etx():
    assert encode_ascii(1, "1023") == b"\x0201" + b"1023" + b"\x03"
    assert encode_ascii(7, "23") == b"\x0207  23\x03"       # right-aligned in 4 characters
    assert encode_ascii(12, "A1023") == b"\x0212A1023\x03"  # longer than the display: never cut


def test_blank_frames():
    assert encode_ascii(1, None) == b"\x0201    \x03"
    assert encode_frame("ascii", 1, None, width=6) == b"\x0201      \x03"
    assert decode_modbus(encode_frame("modbus", 3, None)) == (3, 0, 0)
    assert decode_modbus(encode_frame("modbus", 3, None, blank_value=-1)) == (3, 0, -1)


def test_ascii_folds_vietnamese_letters_and_upper_cases():
    assert decode_ascii(encode_ascii(1, "đ12"))[1] == " D12"
    assert decode_ascii(encode_ascii(1, "b7"))[1] == "  B7"


def test_numbers_that_do_not_fit_a_modbus_register():
    assert modbus_value("A1023") == 1023        # letter prefix dropped: a numeric panel can't show it
    assert modbus_value("32767") == 32767
    assert modbus_value("40123") == 123         # above int16: the last four digits
    assert modbus_value("") == 0 and modbus_value(None, blank_value=-1) == -1


def test_decoders_reject_damaged_frames():
    frame = bytearray(encode_modbus(1, "23"))
    frame[5] ^= 0x01
    with pytest.raises(FrameError):
        decode_modbus(bytes(frame))
    with pytest.raises(FrameError):
        decode_ascii(b"0123\x03")


def test_split_ascii_frames_keeps_the_unfinished_rest():
    frames, rest = split_ascii_frames(b"junk\x02011023\x03\x0201  12\x03\x0201 ")
    assert [decode_ascii(f) for f in frames] == [(1, "1023"), (1, "  12")]
    assert rest == b"\x0201 "


@given(address=st.integers(0, 99), number=st.from_regex(r"[A-Z]?[0-9]{1,6}", fullmatch=True))
def test_ascii_round_trip(address, number):
    got_address, text = decode_ascii(encode_ascii(address, number))
    assert (got_address, text.strip()) == (address, number)


@given(unit=st.integers(1, 247), value=st.integers(0, 32767))
def test_modbus_round_trip(unit, value):
    assert decode_modbus(encode_modbus(unit, str(value))) == (unit, 0, value)
