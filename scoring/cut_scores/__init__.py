"""The examiners' decision on a sitting's pass mark: the method and exercise it rests on, the value,
the policy applied to it and the reasons, approved by a second examiner; and equating a standard
onto a later paper through shared anchor items."""
