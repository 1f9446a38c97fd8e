"""Tests of ldsa.sdc, the disclosure-control layer."""
