"""Quizzes: the question bank (generated from the knowledge base, imported from trainers'
banks), spaced repetition, delivery and the attempt log."""
