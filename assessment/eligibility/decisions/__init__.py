"""Deciding applications to join the register: assessors, reviews, discussion, appeals."""
