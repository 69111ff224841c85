"""engine.preprocess: the MNIST recipe's steps, each checked by hand or against a reference,
and the last step exactly the input the network gets."""

import numpy as np
import pytest
from convlens.engine.images import BlankImageError, center_digit
from convlens.engine.preprocess import DIGIT_BOX, FRAME, INK_FLOOR, preprocess
from convlens.engine.shipped import sample_ink


def test_a_bar_worked_by_hand():
    """A 40x10 bar of full ink at rows 5-44, columns 30-39 of a 100x100 map: its box is
    40 tall, so the scale is 20/40 and the bar becomes 20x5 of ones, whose centre of mass
    is (9.5, 2); placed so that it lands on (14, 14): rows 4.5 -> 4 (to the even pixel),
    columns 12."""
    ink = np.zeros((100, 100), np.float32)
    ink[5:45, 30:40] = 1.0
    steps = preprocess(ink)
    assert steps.box == (5, 30, 45, 40) and steps.box_size == (40, 10)
    assert steps.scale == 0.5
    np.testing.assert_array_equal(steps.fitted, np.ones((20, 5), np.float32))
    assert steps.centre == (9.5, 2.0)
    assert steps.offset == (4, 12)
    assert steps.placed_centre == (13.5, 14.0) and steps.off_centre == (-0.5, 0.0)
    expected = np.zeros((28, 28), np.float32)
    expected[4:24, 12:17] = 1.0
    np.testing.assert_array_equal(steps.image, expected)
    np.testing.assert_array_equal(center_digit(ink), expected)
    np.testing.assert_array_equal(steps.ink, ink)


def test_the_frame_in_the_ink_undoes_the_box_the_scale_and_the_shift():
    """The bar above: input row r came from ink row 5 + (r - 4) / 0.5, column c from
    30 + (c - 12) / 0.5; so the 28x28 frame starts at ink (-3, 6) and is 56 ink pixels wide."""
    ink = np.zeros((100, 100), np.float32)
    ink[5:45, 30:40] = 1.0
    steps = preprocess(ink)
    assert steps.frame_in_ink == (-3.0, 6.0, 56.0)
    top, left, side = steps.frame_in_ink
    per_pixel = side / FRAME
    # the input's first inked pixel, (4, 12), covers exactly the bar's first 2x2 ink pixels
    assert (top + 4 * per_pixel, left + 12 * per_pixel) == (5.0, 30.0)


def test_a_box_already_20_is_not_rescaled_but_stretched():
    """Ink at most 0.5, in a box 20 wide: scale 1, and the darkest ink becomes 1."""
    ink = np.zeros((50, 60), np.float32)
    ink[10:17, 20:40] = 0.5
    steps = preprocess(ink)
    assert steps.scale == 1.0 and steps.box_size == (7, 20)
    np.testing.assert_array_equal(steps.fitted, np.ones((7, 20), np.float32))
    assert steps.centre == (3.0, 9.5) and steps.offset == (11, 4)  # 4.5 -> 4, to the even


@pytest.mark.parametrize("digit", range(10))
def test_each_step_follows_from_the_last_and_ends_in_what_the_network_sees(digit):
    """On the shipped sample digits (drawn ink, anti-aliased, of any shape): the box is the
    tightest around the ink above the floor, the fit has a longer side of 20 with its
    darkest ink 1, the centre is its centre of mass, and the image is the fit placed at the
    offset, no more: the very array center_digit gives the network."""
    ink = sample_ink(digit)
    steps = preprocess(ink)
    top, left, bottom, right = steps.box
    inked = np.argwhere(ink > INK_FLOOR)
    assert (top, left) == tuple(inked.min(axis=0)) and (bottom, right) == tuple(
        inked.max(axis=0) + 1
    )
    assert max(steps.fitted.shape) == DIGIT_BOX and steps.fitted.max() == 1.0
    assert steps.scale == DIGIT_BOX / max(steps.box_size)
    rows, cols = np.indices(steps.fitted.shape)
    mass = steps.fitted.astype(np.float64)
    centre = ((rows * mass).sum() / mass.sum(), (cols * mass).sum() / mass.sum())
    np.testing.assert_allclose(steps.centre, centre, atol=1e-9)
    assert all(abs(d) <= 0.5 for d in steps.off_centre)  # whole pixels: half a pixel at most
    row, col = steps.offset
    placed = np.zeros((FRAME, FRAME), np.float32)
    placed[row : row + steps.fitted.shape[0], col : col + steps.fitted.shape[1]] = steps.fitted
    np.testing.assert_array_equal(steps.image, placed)
    np.testing.assert_array_equal(steps.image, center_digit(ink))
    assert steps.image.dtype == np.float32 and steps.image.shape == (28, 28)


def test_blank_and_malformed_maps():
    with pytest.raises(BlankImageError):
        preprocess(np.full((30, 30), INK_FLOOR / 2, np.float32))
    with pytest.raises(ValueError, match="2-D"):
        preprocess(np.zeros((3, 28, 28), np.float32))
